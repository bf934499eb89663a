package org.msight.plugins.redisbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.msight.plugins.redisbus.BusTests.TOPIC;
import static org.msight.plugins.redisbus.BusTests.closeAll;
import static org.msight.plugins.redisbus.BusTests.image;
import static org.msight.plugins.redisbus.BusTests.publishUntilReceived;
import static org.msight.plugins.redisbus.BusTests.rawPayloads;
import static org.msight.redis.RedisTests.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Subscription;
import org.msight.api.data.ImageData;
import org.msight.codec.MsightCodec;
import org.msight.redis.RedisSettings;
import org.msight.redis.RedisTests;
import org.msight.runtime.bus.Inbox;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisClusterTestServer;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.Waits;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * The redis bus on a real three-node Redis Cluster: publisher and subscriber on different nodes,
 * and a subscriber whose node dies.
 */
class RedisClusterBusTest {

    private final MsightCodec codec = MsightCodec.withBuiltInTypes();
    private final TestBusContext context = TestBusContext.of("redis", "");
    private final RedisClusterTestServer cluster = new RedisClusterTestServer().start();
    private final LogCapture log = LogCapture.of(RedisBus.class);
    private RedisBus publisher;
    private RedisBus subscriber;

    @AfterEach
    void tearDown() {
        closeAll(publisher, subscriber, cluster, log);
    }

    /** Settings whose seed nodes are the cluster's nodes in this order: the bus connects to the first alive. */
    private RedisSettings seeds(int... nodes) {
        return RedisTests.clusterSettings(Arrays.stream(nodes).mapToObj(cluster.ports()::get).toList());
    }

    /** A subscribing bus on the first of {@code subscriberSeeds}, a publishing bus on the first of its own. */
    private Inbox connect(RedisSettings subscriberSeeds, RedisSettings publisherSeeds) {
        subscriber = new RedisBus(subscriberSeeds, context);
        publisher = new RedisBus(publisherSeeds, context);
        Inbox inbox = new Inbox(100);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), inbox));
        subscriber.start();
        publisher.start();
        return inbox;
    }

    /** A connection to one node of the cluster. */
    private Jedis node(int index) {
        return RedisTests.settings(cluster.ports().get(index), null).connect(Duration.ofSeconds(2));
    }

    private void awaitSubscribedOn(int index) {
        try (Jedis raw = node(index)) {
            await("the subscriber on node " + index, () -> raw.pubsubNumSub(TOPIC).get(TOPIC) == 1L);
        }
    }

    @Test
    void aMessagePublishedOnOneNodeReachesASubscriberOnAnotherByteForByte() throws Exception {
        Inbox inbox = connect(seeds(0, 1, 2), seeds(1, 2, 0));
        awaitSubscribedOn(0);
        try (Jedis raw = node(2)) { // what a Python MSight node on the third node publishes
            byte[] msight = MsightVectors.bytesData();
            raw.publish(TOPIC.getBytes(StandardCharsets.UTF_8), msight);
            assertThat(codec.toMessagePack(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data()))
                    .isEqualTo(msight);
        }
        assertThat(publisher.publish(TOPIC, image(1))).isTrue();
        ImageData received = (ImageData) inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data();
        assertThat(codec.toMessagePack(received)).isEqualTo(codec.toMessagePack(image(1)));
        // what a Python MSight node on the third node reads of the bus's publish: MSight's own bytes
        byte[] vector = org.msight.testkit.MsightVectors.messagePack().get("image_data");
        try (Jedis raw = RedisTests.settings(cluster.ports().get(2), null).connect(RedisTests.UNREACHED)) {
            assertThat(rawPayloads(raw, TOPIC, 1, () -> assertThat(publisher.publish(TOPIC,
                    codec.fromMessagePack(vector))).isTrue())).singleElement().isEqualTo(vector);
        }
    }

    /**
     * PUBLISH and SUBSCRIBE need no slot: with the dead node's slots uncovered (no replicas), the
     * others report {@code cluster_state:fail}, and go on carrying messages.
     */
    @Test
    void aSubscriberWhoseNodeDiesMovesToTheNextNodeAndMessagesFlowWhileTheClusterIsDown() throws Exception {
        Inbox inbox = connect(seeds(0, 1, 2), seeds(2, 1, 0));
        awaitSubscribedOn(0);
        publishUntilReceived(publisher, inbox, image(1));

        cluster.node(0).stop();
        publishUntilReceived(publisher, inbox, image(2));
        awaitSubscribedOn(1);
        assertThat(log.messages()).filteredOn(m -> m.startsWith("Redis unreachable at " + seeds(0, 1, 2).address()))
                .hasSize(1).allMatch(m -> m.endsWith("; retrying"));
        await("the restored line", () -> log.messages().stream().anyMatch(m -> m.matches(
                "Redis connection restored after [0-9.]+ s")));
        assertThat(context.count("reconnects")).isEqualTo(1);

        try (Jedis raw = node(1)) {
            await("the cluster to notice the node is gone", () -> raw.clusterInfo().contains("cluster_state:fail"));
        }
        publishUntilReceived(publisher, inbox, image(3));
    }

    /**
     * A subscriber its node closes while it keeps running (for client-output-buffer-limit, say) is
     * a loss, not an outage, though the first seed, down when the subscriber connected, is back:
     * the node the subscriber was on is asked whether it kept running, not that seed, whose
     * {@code run_id} is another.
     */
    @Test
    void aSubscriberItsNodeClosesIsALossThoughAnEarlierSeedIsBack() {
        cluster.node(0).stop();
        Inbox inbox = connect(seeds(0, 1, 2), seeds(1, 2, 0));
        awaitSubscribedOn(1);
        cluster.node(0).start();

        try (Jedis raw = node(1)) {
            raw.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB));
        }
        awaitSubscribedOn(0); // the first seed that answers
        assertThat(context.count("lost")).isEqualTo(1);
        assertThat(log.messages()).filteredOn(m -> m.contains("closed this subscriber's connection while it kept"
                + " running")).hasSize(1);
        assertThat(log.messages()).noneMatch(m -> m.contains("unreachable") || m.contains("restored"));
        publishUntilReceived(publisher, inbox, image(1));
    }
}
