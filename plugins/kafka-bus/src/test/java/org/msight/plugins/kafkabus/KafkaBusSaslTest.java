package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Bus;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.LogCapture;
import org.msight.testkit.TestBusContext;

/**
 * SASL against a real broker that requires it: PLAIN and OAUTHBEARER logins work, a wrong one is
 * one line, no password or token is logged, by the bus or by Kafka's clients (at the level they
 * log at in the runtime, WARN).
 */
class KafkaBusSaslTest {

    private static final String PASSWORD = "s3cret-kafka-pw";
    private static KafkaTestServer broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaTestServer.withSasl("alice", PASSWORD).start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static TestBusContext context(String sasl) {
        return kafka("sasl { " + sasl + " }");
    }

    /** A PLAIN login of the clients' own {@code sasl.jaas.config}, written as it is (a HOCON """ string). */
    private static TestBusContext jaas(String jaas) {
        return kafka("properties { \"security.protocol\" = SASL_PLAINTEXT, \"sasl.mechanism\" = PLAIN,"
                + " \"sasl.jaas.config\" = \"\"\"" + jaas + "\"\"\" }");
    }

    private static TestBusContext kafka(String settings) {
        return TestBusContext.of("kafka", "servers = \"['" + broker.bootstrapServers("SASL_PLAINTEXT") + "']\"\n"
                + "start-position = earliest, max-block = 30s, connect-timeout = 30s\n" + settings);
    }

    private static TestBusContext plain(String password) {
        return context("mechanism = PLAIN, username = alice, password = \"" + password + "\"");
    }

    /** An unsecured JWS ({@code "alg":"none"}), which the test broker's validator takes. */
    private static String unsecuredToken(Instant expires) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(("{\"sub\":\"edge-01\",\"iat\":" + Instant.now().getEpochSecond() + ",\"exp\":"
                        + expires.getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8)) + ".";
    }

    @Test
    void aPlainLoginCarriesMessagesAndItsPasswordIsNeverLogged() {
        TestBusContext context = plain(PASSWORD);
        try (LogCapture kafkaLog = LogCapture.of("org.apache.kafka")) {
            RoundTrip.carriesAMessage(context);
            assertThat(kafkaLog.text()).doesNotContain(PASSWORD);
        }
        assertThat(context.log().all()).contains("SASL PLAIN as alice").doesNotContain(PASSWORD);
    }

    @Test
    void aWrongPasswordIsOneLineNamingTheSettingsWithoutThePassword() {
        Bus bus = new KafkaBusProvider().create(plain("wrong-pw"));
        try {
            assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused the SASL login").hasMessageContaining("MSIGHT_KAFKA_SASL_PASSWORD")
                    .hasMessageNotContaining("wrong-pw").hasMessageNotContaining("\n");
        } finally {
            bus.close();
        }
    }

    @Test
    void aJaasConfigOfThePropertiesCarriesMessagesAndItsPasswordIsNeverLogged() {
        TestBusContext context = jaas("org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"alice\" password=\"" + PASSWORD + "\";");
        try (LogCapture kafkaLog = LogCapture.of("org.apache.kafka")) {
            RoundTrip.carriesAMessage(context);
            assertThat(kafkaLog.text()).doesNotContain(PASSWORD);
        }
        assertThat(context.log().all()).doesNotContain(PASSWORD);
    }

    @Test
    void aWrongPasswordOfTheirJaasConfigNamesTheProperties() {
        Bus bus = new KafkaBusProvider().create(jaas("org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"alice\" password=\"wrong-pw\";"));
        try {
            assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageEndingWith("refused the SASL login (Authentication failed: Invalid username or password):"
                            + " check sasl.jaas.config and sasl.mechanism in msight.kafka.properties")
                    .hasMessageNotContaining("wrong-pw");
        } finally {
            bus.close();
        }
    }

    /**
     * A {@code sasl.jaas.config} Kafka cannot read is refused as the bus is made (so by --check),
     * without a part of its password: the clients' reason at start quoted one ("Value not specified
     * for key 'words-tail'" for a password holding a space).
     */
    @Test
    void aJaasConfigKafkaCannotReadIsRefusedWithoutAPartOfItsPassword() {
        for (String password : List.of("password=two words-tail;", "password=\"a quote\"in-tail\";",
                "password=semi;colon-tail flag-tail;")) {
            assertThatThrownBy(() -> {
                Bus bus = new KafkaBusProvider().create(jaas("org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required username=\"alice\" " + password));
                try {
                    bus.start();
                } finally {
                    bus.close();
                }
            }).as(password).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("properties.\"sasl.jaas.config\": Kafka cannot read it (")
                    .hasMessageNotContaining("tail");
        }
    }

    /**
     * A password holding line breaks (the {@code \r} of a file written on Windows), a quote and a
     * backslash reaches Kafka as it is; a line break ended Kafka's JAAS value, and its reason at
     * start quoted the rest of the password ("Value not specified for key 'pw-tail'").
     */
    @Test
    void aPasswordWithALineBreakIsSentAsItIsAndNeverShown() {
        Bus bus = new KafkaBusProvider().create(plain("wrong\\r\\npw-tail\\\"\\\\"));
        try {
            assertThatThrownBy(bus::start).hasMessageNotContaining("pw-tail").isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused the SASL login");
        } finally {
            bus.close();
        }
        String password = "wrong\r\npw-tail\"\\";
        Map<String, Object> jaas = Sasl.properties("PLAIN", "alice", password, "");
        assertThat(JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                new Password((String) jaas.get(SaslConfigs.SASL_JAAS_CONFIG)))).configurationEntries().get(0)
                .getOptions().get("password")).isEqualTo(password);
    }

    @Test
    void anOauthBearerTokenIsSentAsItIsAndNeverLogged() {
        String token = unsecuredToken(Instant.now().plusSeconds(3600));
        TestBusContext context = context("mechanism = OAUTHBEARER, oauth-token = \"" + token + "\"");
        try (LogCapture kafkaLog = LogCapture.of("org.apache.kafka")) {
            RoundTrip.carriesAMessage(context);
            assertThat(kafkaLog.text()).doesNotContain(token);
        }
        assertThat(context.log().all()).contains("SASL OAUTHBEARER").doesNotContain(token);
    }

    @Test
    void anExpiredTokenIsOneLineWithoutTheToken() {
        String token = unsecuredToken(Instant.now().minusSeconds(3600));
        Bus bus = new KafkaBusProvider().create(context("mechanism = OAUTHBEARER, oauth-token = \"" + token + "\""));
        try {
            assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused the SASL login")
                    .hasMessageContaining("MSIGHT_KAFKA_SASL_OAUTH_TOKEN")
                    .hasMessageNotContaining(token).hasMessageNotContaining("\n");
        } finally {
            bus.close();
        }
    }
}
