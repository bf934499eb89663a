package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.TlsHandshakes.Options;

class IoFailuresTest {

    /** The JDK's file failures name the file and say why in words, never their class. */
    @Test
    void aFileFailureNamesItsFileAndWhyInWords(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("lock"));
        assertThatThrownBy(() -> Files.newOutputStream(folder).close()) // what the JDK throws, for root too
                .isInstanceOfSatisfying(FileSystemException.class,
                        e -> assertThat(IoFailures.describe(e)).isEqualTo(folder + ": Is a directory"));
        assertThat(IoFailures.describe(new AccessDeniedException("/data/spool/lock")))
                .isEqualTo("/data/spool/lock: permission denied");
        assertThat(IoFailures.reason(new AccessDeniedException("/data/spool/lock"))).isEqualTo("permission denied");
        assertThat(IoFailures.describe(new FileAlreadyExistsException("/data/images")))
                .isEqualTo("/data/images: a file is in the way");
        assertThat(IoFailures.describe(new FileSystemException("/data/spool/lock", null, "Read-only file system")))
                .isEqualTo("/data/spool/lock: Read-only file system");
    }

    /** A connection's failures say what the JDK says, without its class's name; one that says nothing is named. */
    @Test
    void aConnectionFailureIsItsMessageAlone() {
        assertThat(IoFailures.describe(new SocketException("Connection reset"))).isEqualTo("Connection reset");
        assertThat(IoFailures.describe(new IOException("No space left on device"))).isEqualTo("No space left on device");
        assertThat(IoFailures.describe(new UnknownHostException("db.example"))).isEqualTo("unknown host db.example");
        assertThat(IoFailures.describe(new EOFException())).isEqualTo("the connection or file ended early");
        assertThat(IoFailures.describe(new InterruptedIOException())).isEqualTo("interrupted or timed out");
        // the JDK's HttpClient says neither a refused connection nor an unknown host in its ConnectException
        assertThat(IoFailures.describe(new java.net.ConnectException())).isEqualTo("cannot connect");
        assertThat(IoFailures.describe(new java.net.ConnectException("Connection refused"))).isEqualTo("Connection refused");
        assertThat(IoFailures.describe(new java.io.CharConversionException())).isEqualTo("an I/O error (CharConversionException)");
    }

    /** A library's exception that wraps the JDK's failure is said by its innermost cause, in words where it is the JDK's. */
    @Test
    void aWrappedFailureIsSaidByItsInnermostCause() {
        assertThat(IoFailures.rootReason(new IllegalStateException("Failed to connect", new RuntimeException(
                "wrapped", new SocketException("Connection refused"))))).isEqualTo("Connection refused");
        assertThat(IoFailures.rootReason(new RuntimeException("wrapped", new UnknownHostException("db.example"))))
                .isEqualTo("unknown host db.example");
        assertThat(IoFailures.rootReason(new RuntimeException("Failed to construct kafka producer",
                new IllegalArgumentException("No resolvable bootstrap urls")))).isEqualTo("No resolvable bootstrap urls");
        assertThat(IoFailures.rootReason(new RuntimeException("commit failed", new IllegalStateException())))
                .isEqualTo("IllegalStateException");
        assertThat(IoFailures.rootReason(new IllegalStateException("no connection", new SSLHandshakeException(
                "Received fatal alert: certificate_required")))).startsWith("TLS: the server refused this client's");
    }

    /** Another TLS failure says what the JDK says, without the names of its classes. */
    @Test
    void anotherTlsFailureIsTheJdksMessageWithoutClassNames() {
        assertThat(IoFailures.describe(new SSLHandshakeException("PKIX path validation failed:"
                + " java.security.cert.CertPathValidatorException: Algorithm constraints check failed on signature"
                + " algorithm: SHA1withRSA"))).isEqualTo("TLS: PKIX path validation failed: Algorithm constraints check"
                        + " failed on signature algorithm: SHA1withRSA");
        assertThat(IoFailures.describe(new SSLHandshakeException(null))).isEqualTo("TLS: failed");
    }

    /** For the commonest TLS mistakes, from real handshakes on loopback: a sentence each, naming no class. */
    private static TlsHandshakes handshakes;

    @BeforeAll
    static void makeCertificates(@TempDir Path dir) throws Exception {
        handshakes = new TlsHandshakes(dir);
        handshakes.ca("ca", "msight-test-ca");
        handshakes.ca("same-name-ca", "msight-test-ca"); // another key under the same name
        handshakes.ca("other-ca", "another-ca");
        handshakes.signed("server", "ca", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        handshakes.signed("elsewhere", "ca", "-ext", "SAN=dns:elsewhere.example");
        handshakes.signed("nameless", "ca");
        handshakes.signed("expired", "ca", "-ext", "SAN=ip:127.0.0.1", "-startdate", "-3d", "-validity", "1");
        handshakes.signed("future", "ca", "-ext", "SAN=ip:127.0.0.1", "-startdate", "+1d");
    }

    /** Why a client trusting {@code clientTrusts} fails to reach a server with {@code serverKeys} as {@code host}. */
    private static String reason(String serverKeys, Options options, String clientTrusts, String host)
            throws Exception {
        SSLException failure = handshakes.clientFailure(handshakes.context(serverKeys, "ca"), options,
                handshakes.context(null, clientTrusts), Options.NONE, host);
        String reason = IoFailures.reason(failure);
        assertThat(reason).as(failure.toString()).doesNotContain("sun.", "java.", "Exception");
        return reason;
    }

    @Test
    void aServerCertificateOfAnUntrustedCaNamesTheCaSettings() throws Exception {
        String untrusted = "TLS: the server's certificate is not signed by a CA this client trusts: trust that CA"
                + " (ca-cert-file or ca-file in the TLS settings, else the JVM's trust store)";
        assertThat(reason("server", Options.NONE, "other-ca", "127.0.0.1")).isEqualTo(untrusted);
        // a CA of the name that signed it but another key: the JDK fails another check
        assertThat(reason("server", Options.NONE, "same-name-ca", "127.0.0.1")).isEqualTo(untrusted);
    }

    @Test
    void aServerCertificateThatDoesNotNameTheHostSaysWhichHost() throws Exception {
        assertThat(reason("elsewhere", Options.NONE, "ca", "127.0.0.1")).isEqualTo("TLS: the server's"
                + " certificate does not name 127.0.0.1, the host connected to: connect by a name in it, or add"
                + " this one to its subjectAltName");
        assertThat(reason("elsewhere", Options.NONE, "ca", "localhost"))
                .startsWith("TLS: the server's certificate does not name localhost, the host connected to");
        assertThat(reason("nameless", Options.NONE, "ca", "127.0.0.1")).isEqualTo("TLS: the server's"
                + " certificate names no host (no subjectAltName): give it one naming the host connected to");
    }

    @Test
    void aServerCertificateOutOfDateSaysWhenAndThatTheClockMayBeWrong() throws Exception {
        assertThat(reason("expired", Options.NONE, "ca", "127.0.0.1"))
                .matches("TLS: the server's certificate expired at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ by"
                        + " this machine's clock: renew it, or set the clock right");
        assertThat(reason("future", Options.NONE, "ca", "127.0.0.1"))
                .matches("TLS: the server's certificate is not valid until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"
                        + " by this machine's clock: set the clock right");
    }

    @Test
    void aServerThatRefusesTheClientsCertificateOrItsLackSaysWhatToGive() throws Exception {
        assertThat(reason("server", socket -> socket.setNeedClientAuth(true), "ca", "127.0.0.1"))
                .isEqualTo("TLS: the server refused this client's certificate, or its lack of one"
                        + " (bad_certificate): give one it trusts as cert-file and key-file in the TLS settings");
    }

    @Test
    void aServerThatBreaksTheHandshakeOffSaysWhatItMayWant() throws Exception {
        SSLException failure = handshakes.clientFailure(handshakes.context("server", "ca"),
                socket -> socket.setEnabledCipherSuites(new String[] {"TLS_AES_256_GCM_SHA384"}),
                handshakes.context(null, "ca"),
                socket -> socket.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256"}), "127.0.0.1");
        assertThat(IoFailures.reason(failure)).isEqualTo("TLS: the server broke off the handshake"
                + " (handshake_failure): it may want a client certificate (cert-file and key-file in the TLS"
                + " settings), or share no TLS version or cipher with this client");
    }

    @Test
    void aServerThatDoesNotSpeakTlsSaysSo() throws Exception {
        assertThat(IoFailures.reason(handshakes.clientFailureWithAPlainServer(handshakes.context(null, "ca"))))
                .isEqualTo("TLS: the server does not speak TLS on this port: turn TLS off for it (http://,"
                        + " tls.enabled = false), or use its TLS port");
    }
}
