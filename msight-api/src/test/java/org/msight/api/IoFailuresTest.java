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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertThat(IoFailures.describe(new javax.net.ssl.SSLHandshakeException("No subject alternative names present")))
                .isEqualTo("TLS: No subject alternative names present");
        assertThat(IoFailures.describe(new java.io.CharConversionException())).isEqualTo("an I/O error (CharConversionException)");
    }
}
