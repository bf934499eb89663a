package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.net.ConnectException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;

/** Says in one line, without secrets, why an upload attempt failed and what would fix it; fit to be logged. */
final class Failures {

    private Failures() {
    }

    /**
     * @param certificateRequested whether a server asked for a client certificate the node does not have
     */
    static String describe(IOException failure, UploaderSettings settings, boolean certificateRequested) {
        String message = String.valueOf(failure.getMessage());
        String text;
        if (failure instanceof ConnectTimeoutException) {
            text = "no connection within connect-timeout (" + settings.connectTimeout().toMillis() + " ms): " + message;
        } else if (failure instanceof ConnectException) {
            text = "cannot connect: " + message;
        } else if (certificateRequested) {
            text = "TLS: the server asks for a client certificate and closed the connection without one ("
                    + message + "); set tls.cert-file and tls.key-file, or tls.key-store";
        } else if (failure instanceof SSLPeerUnverifiedException) {
            text = "TLS: the server's certificate does not match its host name: " + message;
        } else if (failure instanceof SSLException && causedBy(failure, CertPathBuilderException.class, CertificateException.class)) {
            text = "TLS: the server's certificate is not trusted (" + message + "); set tls.ca-file (PEM)"
                    + " or tls.trust-store to the CA that signed it";
        } else if (failure instanceof SSLException && (message.contains("certificate_required")
                || message.contains("bad_certificate") || message.contains("unknown_ca"))) {
            text = "TLS: the server wants a client certificate it trusts (" + message + "); set tls.cert-file"
                    + " and tls.key-file, or tls.key-store";
        } else {
            text = IoFailures.describe(failure); // Connection reset, TLS: ...: the JDK's words without its class
        }
        return LogSafe.text(text);
    }

    @SafeVarargs
    private static boolean causedBy(Throwable failure, Class<? extends Throwable>... types) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(cause)) {
                    return true;
                }
            }
        }
        return false;
    }
}
