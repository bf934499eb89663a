package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretTest {

    record Settings(String user, Secret password, Map<String, Secret> headers) {
    }

    @Test
    void aRecordOrMapHoldingSecretsNeverPrintsThem() {
        Settings settings = new Settings("edge", Secret.of("s3cret"), Map.of("Authorization", Secret.of("Bearer t0ken")));
        assertThat(settings.toString()).isEqualTo("Settings[user=edge, password=***, headers={Authorization=***}]");
        assertThat(settings.password().value()).isEqualTo("s3cret");
    }

    @Test
    void emptyAndNullAreTheSameEmptySecret() {
        assertThat(Secret.of(null)).isEqualTo(Secret.of("")).hasToString("");
        assertThat(Secret.of(null).isEmpty()).isTrue();
        assertThat(Secret.of("x").isEmpty()).isFalse();
        assertThat(Secret.of("x")).isEqualTo(Secret.of("x")).isNotEqualTo(Secret.of("y"));
    }
}
