package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;
import org.msight.testkit.TestNodeContext;

class FailuresTest {

    private final UploaderSettings settings = UploaderSettings.from(TestNodeContext.of("http-uploader",
            "url = \"http://127.0.0.1:8080\"").config());

    /** The JDK's failures of a connection are said in its words, without its class's name (SocketException: ...). */
    @Test
    void aFailureIsSaidInWordsAndOneWithoutAMessageByItsKind() {
        assertThat(Failures.describe(new InterruptedIOException(), settings, false))
                .isEqualTo("interrupted or timed out");
        assertThat(Failures.describe(new SocketException("Connection reset"), settings, false))
                .isEqualTo("Connection reset");
        assertThat(Failures.describe(new SocketException("Broken pipe"), settings, false)).isEqualTo("Broken pipe");
        assertThat(Failures.describe(new EOFException(), settings, false))
                .isEqualTo("the connection or file ended early");
        assertThat(Failures.describe(new ConnectException("Connection refused"), settings, false))
                .isEqualTo("cannot connect: Connection refused");
    }
}
