package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void passwordsInUrlsAreMasked() {
        assertThat(Secrets.redactUrl("rtsp://admin:s3cr%40t@10.0.0.5:554/live"))
                .isEqualTo("rtsp://admin:***@10.0.0.5:554/live");
        assertThat(Secrets.redactUrl("could not open https://u:p@h/x: refused"))
                .isEqualTo("could not open https://u:***@h/x: refused");
        assertThat(Secrets.redactUrl("rtsp://admin:p@ss@cam/live")).isEqualTo("rtsp://admin:***@cam/live");
        assertThat(Secrets.redactUrl("a rtsp://u:pw@h/x and http://v:pw2@k/y")).isEqualTo("a rtsp://u:***@h/x and http://v:***@k/y");
    }

    @Test
    void textWithoutCredentialsIsUnchanged() {
        assertThat(Secrets.redactUrl("rtsp://127.0.0.1:8554/live.stream")).isEqualTo("rtsp://127.0.0.1:8554/live.stream");
        assertThat(Secrets.redactUrl("rtsp://user@host/x")).isEqualTo("rtsp://user@host/x");
    }
}
