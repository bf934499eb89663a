package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Bus;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.LogCapture;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestReceiver;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * A consumer-only login, as an edge box that only uploads has on brokers with ACLs: it may read
 * its topic in its group, not write. An idempotent producer it never uses would ask the brokers
 * for a producer id and be refused, over and over (thousands of requests a second with Kafka
 * 4.1's client), and log an error with a stack trace as it closes.
 */
class KafkaBusAclTest {

    private static final String TOPIC = "images";
    private static KafkaTestServer broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaTestServer.withSaslAndAcls("alice", "alice-pw", "uploader-box", "uploader-pw").start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            AccessControlEntry read = new AccessControlEntry("User:uploader-box", "*", AclOperation.READ,
                    AclPermissionType.ALLOW);
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, TOPIC,
                    PatternType.LITERAL), read), new AclBinding(new ResourcePattern(ResourceType.GROUP, "uploader",
                    PatternType.PREFIXED), read))).all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static TestBusContext context(String username, String password) {
        return context(username, password, "");
    }

    private static TestBusContext context(String username, String password, String settings) {
        return TestBusContext.of("kafka", "servers = \"['" + broker.bootstrapServers("SASL_PLAINTEXT") + "']\"\n"
                + "start-position = earliest, max-block = 30s, connect-timeout = 30s\n"
                + "sasl { mechanism = PLAIN, username = " + username + ", password = " + password + " }\n" + settings);
    }

    @Test
    void aConsumerOnlyLoginConsumesAndTheKafkaClientLogsNoError() {
        TestReceiver receiver = TestReceiver.handling();
        Bus uploader = new KafkaBusProvider().create(context("uploader-box", "uploader-pw").subscribeOnly());
        Bus camera = new KafkaBusProvider().create(context("alice", "alice-pw"));
        try (LogCapture kafkaLog = LogCapture.of("org.apache.kafka")) {
            try {
                uploader.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), receiver));
                uploader.start();
                camera.start();
                assertThat(camera.publish(TOPIC, new BytesData(Metadata.create("cam", "edge-01", Metadata.now()),
                        new byte[] {1, 2, 3}))).isTrue();
                await().atMost(Waits.GENEROUS.multipliedBy(2)).until(() -> receiver.handled().size() == 1);
                assertThat(uploader.connected()).isTrue();
            } finally {
                uploader.close();
                camera.close();
            }
            assertThat(kafkaLog.messages(Level.ERROR)).isEmpty();
        }
    }

    /**
     * A commit that failed is an outage until nothing is left to commit, not until a later commit
     * goes through, which a member with nothing more to consume never makes: here the member may
     * no longer read its topic (its READ taken away, DESCRIBE kept), so the commit of what its
     * node finished is refused, and then the topic is deleted. Its bus showed "not connected"
     * (/ready 503) for good while it worked.
     */
    @Test
    void aFailedCommitEndsItsOutageOnceNothingIsLeftToCommit() throws Exception {
        String topic = "going";
        AclBinding read = topicAcl(topic, AclOperation.READ);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            admin.createAcls(List.of(read, topicAcl(topic, AclOperation.DESCRIBE))).all().get();
            TakesOne receiver = new TakesOne();
            // metadata read each second, so the deletion is seen soon; no topic made again by asking for it
            TestBusContext uploaderContext = context("uploader-box", "uploader-pw", "commit-interval = 200ms\n"
                    + "properties { \"metadata.max.age.ms\" = 1000, \"allow.auto.create.topics\" = false }")
                    .subscribeOnly();
            Bus uploader = new KafkaBusProvider().create(uploaderContext);
            Bus camera = new KafkaBusProvider().create(context("alice", "alice-pw"));
            try {
                uploader.subscribe(new Subscription(topic, "uploader-commits", Optional.empty(), receiver));
                uploader.start();
                camera.start();
                for (int n = 0; n < 2; n++) {
                    assertThat(camera.publish(topic, new BytesData(Metadata.create("cam", "edge-01", Metadata.now()),
                            new byte[] {(byte) n}))).isTrue();
                }
                // the second waits for room: fetching is paused, so no fetch fails once READ is gone
                await().atMost(Waits.GENEROUS.multipliedBy(2)).until(() -> receiver.askedWhileFull);
                admin.deleteAcls(List.of(read.toFilter())).all().get();
                await().atMost(Waits.GENEROUS).until(() -> !mayRead(topic));
                receiver.taken.done();
                await().atMost(Waits.GENEROUS).until(() -> uploader.outage().orElse("").contains("committing offsets"));
                admin.deleteTopics(List.of(topic)).all().get();
                await().atMost(Waits.GENEROUS.multipliedBy(2)).untilAsserted(() -> assertThat(uploaderContext.log()
                        .messages(Level.WARN)).anyMatch(line -> line.contains("could not commit before giving up")));
                await().atMost(Waits.GENEROUS).untilAsserted(() -> assertThat(uploader.outage()).isEmpty());
            } finally {
                uploader.close();
                camera.close();
            }
        }
    }

    private static AclBinding topicAcl(String topic, AclOperation operation) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:uploader-box", "*", operation, AclPermissionType.ALLOW));
    }

    /** Whether the limited login may read {@code topic} now: the brokers apply an ACL change a moment after it. */
    private static boolean mayRead(String topic) {
        Properties properties = new Properties();
        properties.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers("SASL_PLAINTEXT"),
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"uploader-box\""
                        + " password=\"uploader-pw\";"));
        try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            probe.assign(List.of(partition));
            probe.seekToBeginning(List.of(partition));
            probe.poll(Duration.ofSeconds(2));
            return true;
        } catch (TopicAuthorizationException e) {
            return false;
        }
    }

    /** A receiver that takes one message and keeps it, then has no room. */
    private static final class TakesOne implements Receiver {
        volatile Delivery taken;
        /** Whether the bus asked for room with a message waiting while this one was held. */
        volatile boolean askedWhileFull;

        @Override
        public void deliver(Delivery delivery) {
            taken = delivery;
        }

        @Override
        public int remainingCapacity() {
            askedWhileFull |= taken != null;
            return taken == null ? 1 : 0;
        }

        @Override
        public void countMalformed() {
        }
    }
}
