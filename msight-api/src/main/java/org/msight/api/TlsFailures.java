package org.msight.api;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * A failed TLS connection in words, for {@link IoFailures#reason}: the JDK says an operator's
 * commonest mistakes in its own terms ({@code PKIX path building failed:
 * sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification
 * path to requested target}). Each is told by the exceptions among the failure's causes where
 * they tell it, else by the message of the JDK's check or of the server's alert.
 */
final class TlsFailures {

    /** A server's alert (RFC 8446 6.2) that refuses the client's certificate, or its lack of one. */
    private static final Set<String> CLIENT_CERTIFICATE_REFUSED = Set.of("bad_certificate", "certificate_required",
            "unknown_ca", "certificate_unknown", "unsupported_certificate", "certificate_expired",
            "certificate_revoked");
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");
    /**
     * The JDK's host name check (sun.security.util.HostnameChecker): {@code No subject alternative
     * names present}, {@code No subject alternative names matching IP address 10.0.0.5 found},
     * {@code No subject alternative DNS name matching db.example found.}, {@code No name matching
     * db.example found}.
     */
    private static final Pattern HOST_NOT_NAMED = Pattern.compile("No subject alternative names present"
            + "|No subject alternative names matching IP address (\\S+) found"
            + "|No subject alternative DNS name matching (\\S+?)\\.? found|No name matching (\\S+) found");
    /** A class's name before its message, {@code java.security.cert.CertPathValidatorException: }. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*: ");

    private TlsFailures() {
    }

    /** What went wrong and what to do, in a sentence; else the JDK's message without the names of classes. */
    static String reason(SSLException failure) {
        String message = failure.getMessage() != null ? failure.getMessage() : "failed";
        // "Unsupported or unrecognized SSL message", "Unrecognized SSL message, plaintext connection?"
        if (message.contains("nrecognized SSL message")) {
            return "the server does not speak TLS on this port: turn TLS off for it (http://, tls.enabled = false),"
                    + " or use its TLS port";
        }
        Matcher alert = ALERT.matcher(message);
        String alerted = alert.find() ? alert.group(1) : "";
        if (CLIENT_CERTIFICATE_REFUSED.contains(alerted)) {
            return "the server refused this client's certificate, or its lack of one (" + alerted + "): give one it"
                    + " trusts as cert-file and key-file in the TLS settings";
        }
        if (alerted.equals("handshake_failure")) {
            return "the server broke off the handshake (handshake_failure): it may want a client certificate"
                    + " (cert-file and key-file in the TLS settings), or share no TLS version or cipher with this client";
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            Matcher host = HOST_NOT_NAMED.matcher(String.valueOf(cause.getMessage()));
            if (host.find()) {
                String name = host.group(1) != null ? host.group(1)
                        : host.group(2) != null ? host.group(2) : host.group(3);
                return name == null ? "the server's certificate names no host (no subjectAltName): give it one naming"
                        + " the host connected to" : "the server's certificate does not name " + name + ", the host"
                        + " connected to: connect by a name in it, or add this one to its subjectAltName";
            }
        }
        Optional<X509Certificate> outOfDate = outOfDate(failure);
        if (anyCause(failure, CertificateExpiredException.class::isInstance)) {
            return "the server's certificate expired" + outOfDate.map(c -> " at " + instant(c.getNotAfter())).orElse("")
                    + " by this machine's clock: renew it, or set the clock right";
        }
        if (anyCause(failure, CertificateNotYetValidException.class::isInstance)) {
            return "the server's certificate is not valid " + outOfDate.map(c -> "until " + instant(c.getNotBefore()))
                    .orElse("yet") + " by this machine's clock: set the clock right";
        }
        if (anyCause(failure, cause -> cause instanceof CertPathBuilderException // no path to a trusted CA
                || cause instanceof CertPathValidatorException invalid // one to a CA of the same name, or to none
                && (invalid.getReason() == BasicReason.INVALID_SIGNATURE
                || invalid.getReason() == PKIXReason.NO_TRUST_ANCHOR))) {
            return "the server's certificate is not signed by a CA this client trusts: trust that CA (ca-cert-file"
                    + " or ca-file in the TLS settings, else the JVM's trust store)";
        }
        return CLASS_NAME.matcher(message).replaceAll("");
    }

    /** The certificate of the server's chain the JDK found invalid, if it says which. */
    private static Optional<X509Certificate> outOfDate(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathValidatorException invalid && invalid.getCertPath() != null) {
                List<? extends Certificate> chain = invalid.getCertPath().getCertificates();
                int index = invalid.getIndex();
                if (index >= 0 && index < chain.size() && chain.get(index) instanceof X509Certificate certificate) {
                    return Optional.of(certificate);
                }
            }
        }
        return Optional.empty();
    }

    private static Instant instant(Date date) {
        return date.toInstant().truncatedTo(ChronoUnit.SECONDS);
    }

    private static boolean anyCause(Throwable failure, Predicate<Throwable> test) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (test.test(cause)) {
                return true;
            }
        }
        return false;
    }
}
