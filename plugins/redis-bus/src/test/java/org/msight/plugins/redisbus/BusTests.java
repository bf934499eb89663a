package org.msight.plugins.redisbus;

import static org.msight.redis.RedisTests.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.msight.api.bus.Delivery;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Inbox;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/** What the redis bus's tests share. */
final class BusTests {

    static final String TOPIC = "rtsp_topic";

    private BusTests() {
    }

    /** A small frame whose frame id is {@code 1000 + n}. */
    static ImageData image(int n) {
        return ImageData.jpeg(new Metadata("rtsp_sensor", 1700000000 + n, 1700000000.5 + n, 1000 + n, "edge-01"),
                new byte[] {(byte) 0xff, (byte) 0xd8, (byte) n}, 8, 16);
    }

    /** Publishes again and again (what is published before a resubscription is lost) until one arrives. */
    static void publishUntilReceived(RedisBus publisher, Inbox inbox, SensorData data) {
        await("a message to get through", () -> {
            publisher.publish(TOPIC, data);
            try {
                for (Delivery next = inbox.poll(50, TimeUnit.MILLISECONDS); next != null; next = inbox.poll(0,
                        TimeUnit.MILLISECONDS)) {
                    if (next.data().metadata().frameId() == data.metadata().frameId()) {
                        return true;
                    }
                }
                return false;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * What a Python MSight subscriber reads of {@code topic}: subscribes {@code raw} to it, runs
     * {@code publish} once subscribed, and returns the first {@code count} payloads as Redis
     * delivered them (waiting for each at most the connection's reply timeout).
     */
    static List<byte[]> rawPayloads(Jedis raw, String topic, int count, Runnable publish) {
        List<byte[]> payloads = new ArrayList<>();
        raw.subscribe(new BinaryJedisPubSub() {
            @Override
            public void onSubscribe(byte[] channel, int subscribedChannels) {
                publish.run();
            }

            @Override
            public void onMessage(byte[] channel, byte[] message) {
                payloads.add(message);
                if (payloads.size() == count) {
                    unsubscribe();
                }
            }
        }, topic.getBytes(StandardCharsets.UTF_8));
        return payloads;
    }

    /** What a test server does with a connection it accepted. */
    interface Connection {
        void handle(Socket client) throws IOException;
    }

    /** Hands each connection {@code server} accepts to {@code handler}, on a daemon thread, until it closes. */
    static void acceptEach(ServerSocket server, Connection handler) {
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    handler.handle(server.accept());
                }
            } catch (IOException e) {
                // closed
            }
        }, "test-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Closes each of {@code closeables} that is there, whatever the others do. */
    static void closeAll(AutoCloseable... closeables) {
        for (AutoCloseable closeable : closeables) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
