package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.msight.testkit.TestNodeContext;

class FailuresTest {

    private final UploaderSettings settings = UploaderSettings.from(TestNodeContext.of("http-uploader",
            "url = \"http://127.0.0.1:8080\"").config());

    @Test
    void aFailureWithoutAMessageIsNamedByItsKindAlone() {
        assertThat(Failures.describe(new InterruptedIOException(), settings, false)).isEqualTo("InterruptedIOException");
        assertThat(Failures.describe(new IOException("Connection reset"), settings, false))
                .isEqualTo("IOException: Connection reset");
        assertThat(Failures.describe(new ConnectException("Connection refused"), settings, false))
                .isEqualTo("cannot connect: Connection refused");
    }
}
