package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Bus;
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
        return TestBusContext.of("kafka", "servers = \"['" + broker.bootstrapServers("SASL_PLAINTEXT") + "']\"\n"
                + "start-position = earliest, max-block = 30s, connect-timeout = 30s\n"
                + "sasl { mechanism = PLAIN, username = " + username + ", password = " + password + " }");
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
}
