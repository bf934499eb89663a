package org.msight.plugins.kafkabus;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;

/** The {@code kafka} bus: MSight's Kafka backend, with consumer groups and at-least-once delivery. */
public final class KafkaBusProvider implements BusProvider {

    /** The largest {@code max-request-size}: Kafka's properties made of it are ints (a fetch's, 4 times it, is cut to fit). */
    private static final long MAX_REQUEST_SIZE = 1L << 30;

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String description() {
        return "Kafka topics in MSight's wire format; consumer groups share a topic across processes,"
                + " at-least-once, ordered per partition";
    }

    @Override
    public List<Setting> settings() {
        return List.of(
                Setting.optional("servers", SettingType.STRING,
                        "bootstrap brokers, \"['host1:9092', 'host2:9092']\" or host:port,...; MSIGHT_KAFKA_SERVERS"),
                Setting.block("sasl", "SASL login (MSIGHT_KAFKA_SASL_*)",
                        Setting.optional("mechanism", SettingType.STRING, String.join(", ",
                                KafkaSettings.SASL_MECHANISMS) + "; empty for none"),
                        Setting.optional("username", SettingType.STRING, "user of PLAIN and SCRAM"),
                        Setting.optional("password", SettingType.STRING, "password of PLAIN and SCRAM").secret(),
                        Setting.optional("oauth-token", SettingType.STRING, "OAUTHBEARER token, sent as it is")
                                .secret()),
                Setting.block("tls", "TLS (MSIGHT_KAFKA_USE_TLS, MSIGHT_KAFKA_TLS_*)",
                        Setting.onOff("enabled", "connect with TLS: true, 1 or yes"),
                        Setting.optional("ca-cert-file", SettingType.STRING, "PEM CA; empty for the JVM's trust store"),
                        Setting.optional("cert-file", SettingType.STRING, "PEM client certificate; empty for none"),
                        Setting.optional("key-file", SettingType.STRING,
                                "its PEM key (PKCS#8, or PKCS#1 RSA); empty: in cert-file"),
                        Setting.onOff("verify",
                                "check the brokers' certificates; false trusts any (true, 1 or yes)"),
                        Setting.onOff("check-hostname",
                                "check that a broker's certificate names its host (true, 1 or yes)")),
                Setting.oneOf("record-key", "record key: none as MSight, or sensor_name to keep each sensor on one"
                        + " partition, in order", "none", "sensor_name"),
                Setting.oneOf("start-position", "where a new group starts: latest (live) or earliest (MSight)",
                        "latest", "earliest"),
                Setting.oneOf("acks", "acknowledgements a publish waits for", "all", "1", "0", "-1"),
                Setting.optional("linger", SettingType.DURATION, "how long the producer waits to batch messages")
                        .between(Duration.ZERO, Duration.ofHours(1)),
                Setting.optional("buffer-size", SettingType.STRING,
                        "memory for messages waiting to be sent (32MiB); beyond it messages are lost and counted")
                        .size(1, "32MiB"),
                Setting.optional("delivery-timeout", SettingType.DURATION,
                        "a message not acknowledged within this is lost and counted")
                        .between(Duration.ofMillis(1), Duration.ofDays(1)),
                Setting.optional("max-request-size", SettingType.STRING,
                        "largest message (1MiB); the brokers' message.max.bytes must allow it too").size(1, "2MiB")
                        .check("must be a size of at most 1GiB", size -> ConfigFactory.parseMap(Map.of("size", size))
                                .getBytes("size") <= MAX_REQUEST_SIZE),
                Setting.optional("max-block", SettingType.DURATION,
                        "longest a message waits for its topic's partitions to be known before it is lost")
                        .between(Duration.ofMillis(1), Duration.ofHours(1)),
                Setting.optional("session-timeout", SettingType.DURATION,
                        "a silent group member's partitions go to the others after this")
                        .between(Duration.ofMillis(1), Duration.ofHours(1)),
                Setting.optional("commit-interval", SettingType.DURATION, "how often handled offsets are committed")
                        .between(Duration.ofMillis(1), Duration.ofHours(1)),
                Setting.optional("max-poll-records", SettingType.INT, "messages fetched at most at once")
                        .between(1, 100_000),
                Setting.optional("revoke-timeout", SettingType.DURATION,
                        "how long a member giving up partitions waits for its node to finish their messages")
                        .between(Duration.ZERO, Duration.ofHours(1)),
                Setting.optional("connect-timeout", SettingType.DURATION,
                        "how long to wait at start for the brokers; unreachable ones stop the pipeline")
                        .between(Duration.ofMillis(1), Duration.ofHours(1)),
                Setting.optional("properties", SettingType.OBJECT,
                        "further Kafka client properties for producers and consumers, overriding the above"));
    }

    @Override
    public Bus create(BusContext context) {
        return new KafkaBus(context, KafkaSettings.from(context.config()));
    }
}
