package org.msight.runtime.registry;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.msight.api.LogSafe;
import org.msight.api.data.Metadata;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import org.msight.runtime.node.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * MSight's node registry in Redis, for the nodes of one process. Lifecycle:
 * <ol>
 * <li>{@link #open} connects.</li>
 * <li>{@link #register} adds a node to {@code MSIGHT:NODES} and its topics to {@code MSIGHT:TOPICS},
 *     refusing a name a live node holds; from then on one heartbeat thread rewrites every
 *     registered node's {@code last_heartbeat} and {@code status} each update interval.</li>
 * <li>{@link #status} records {@code RUNNING}, {@code STOPPED} or {@code ERROR}.</li>
 * <li>{@link #remove} deletes a stopped node's entry; {@link #close} removes the rest and stops.</li>
 * </ol>
 * When Redis is away the heartbeat retries each interval; after failing for the checking duration
 * it applies the action on error: {@code stop} calls each node's error handler, {@code continue}
 * logs and carries on. When Redis is back, entries and topics are written again (a restarted
 * Redis without persistence has lost them). {@link #nodes}, {@link #topics} and {@link #reset}
 * serve {@code msight status} and {@code msight reset-redis}.
 */
public final class NodeRegistry implements AutoCloseable {

    /** The hash of nodes: field = node name, value = JSON. */
    public static final String NODES = "MSIGHT:NODES";
    /** The hash of topics: field = topic name, value = JSON. */
    public static final String TOPICS = "MSIGHT:TOPICS";

    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);

    /** Registers a node unless a live one holds the name: returns the live entry, or nil after writing. */
    private static final String REGISTER_UNLESS_LIVE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if current then
              local ok, node = pcall(cjson.decode, current)
              if ok and type(node) == 'table' and node.status ~= 'STOPPED'
                  and tonumber(node.last_heartbeat) and tonumber(node.last_heartbeat) >= tonumber(ARGV[3]) then
                return current
              end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            return false
            """;

    private final RedisSettings settings;
    private final HeartbeatSettings heartbeat;
    private final Map<String, Registered> registered = new LinkedHashMap<>(); // guarded by this
    private final ScheduledExecutorService heartbeatThread;
    private Jedis jedis; // guarded by this; null after a failure until the next use reconnects
    private long failingSince = -1; // System.nanoTime() of the first failed heartbeat, -1 when fine
    private boolean errorHandled;

    private static final class Registered {
        NodeRecord node;
        final List<TopicRecord> topics;
        final Consumer<String> onHeartbeatError;

        Registered(NodeRecord node, List<TopicRecord> topics, Consumer<String> onHeartbeatError) {
            this.node = node;
            this.topics = topics;
            this.onHeartbeatError = onHeartbeatError;
        }
    }

    private NodeRegistry(RedisSettings settings, HeartbeatSettings heartbeat) {
        this.settings = settings;
        this.heartbeat = heartbeat;
        this.heartbeatThread = DaemonThreads.scheduler("msight-heartbeat");
    }

    /**
     * Connects to Redis and starts the heartbeat thread.
     *
     * @throws RedisAccessException when Redis is unreachable or refuses the credentials
     */
    public static NodeRegistry open(RedisSettings settings, HeartbeatSettings heartbeat) {
        NodeRegistry registry = new NodeRegistry(settings, heartbeat);
        synchronized (registry) {
            registry.connection();
        }
        long interval = heartbeat.updateInterval().toNanos();
        registry.heartbeatThread.scheduleWithFixedDelay(registry::beat, interval, interval, TimeUnit.NANOSECONDS);
        return registry;
    }

    /**
     * Registers a node ({@code REGISTERED}, heartbeat now) and its topics.
     *
     * @param onHeartbeatError called once, on the heartbeat thread, when the heartbeat has failed
     *     for the checking duration and the action on error is {@code stop}; the argument says why
     * @throws DuplicateNodeException when a live node of that name is registered
     * @throws RedisAccessException when Redis cannot be reached to check
     */
    public synchronized void register(NodeRecord node, List<TopicRecord> topics, Consumer<String> onHeartbeatError) {
        double now = Metadata.now();
        NodeRecord entry = node.beat(now, NodeStatus.REGISTERED);
        Object live;
        try {
            live = connection().eval(REGISTER_UNLESS_LIVE, List.of(NODES), List.of(node.name(),
                    RegistryJson.write(entry), String.valueOf(now - seconds(heartbeat.tolerance()))));
            writeTopics(connection(), topics);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        if (live != null) {
            NodeRecord existing;
            try {
                existing = RegistryJson.node(node.name(), live.toString());
            } catch (IOException e) {
                throw new IllegalStateException("unreadable entry for '" + node.name() + "' in " + NODES, e);
            }
            throw new DuplicateNodeException(existing, now);
        }
        registered.put(node.name(), new Registered(entry, List.copyOf(topics), onHeartbeatError));
    }

    /** Records a registered node's status; written now, or by the next heartbeat when Redis is away. */
    public synchronized void status(String name, NodeStatus status) {
        Registered node = registered.get(name);
        if (node == null) {
            throw new IllegalArgumentException("node '" + name + "' is not registered here");
        }
        node.node = node.node.beat(Metadata.now(), status);
        try {
            connection().hset(NODES, name, RegistryJson.write(node.node));
        } catch (RuntimeException e) {
            dropConnection();
            LOG.debug("status of {} not written now: {}", name, e.toString());
        }
    }

    /** Removes a node's entry (its topics stay: other nodes may use them). Never throws for Redis. */
    public synchronized void remove(String name) {
        if (registered.remove(name) == null) {
            return;
        }
        try {
            connection().hdel(NODES, name);
        } catch (RuntimeException e) {
            dropConnection();
            LOG.warn("Node {} could not remove its entry from {}: {}", name, NODES,
                    RedisFailures.describe(settings, e));
        }
    }

    /** Every node entry in Redis; values that are not readable JSON are left out. */
    public synchronized List<NodeRecord> nodes() {
        return readAll(NODES, RegistryJson::node);
    }

    /** Every topic entry in Redis; values that are not readable JSON are left out. */
    public synchronized List<TopicRecord> topics() {
        return readAll(TOPICS, RegistryJson::topic);
    }

    private interface EntryReader<T> {
        T read(String field, String json) throws IOException;
    }

    private <T> List<T> readAll(String key, EntryReader<T> reader) {
        Map<String, String> hash;
        try {
            hash = connection().hgetAll(key);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        List<T> entries = new ArrayList<>();
        hash.forEach((field, json) -> {
            try {
                entries.add(reader.read(field, json));
            } catch (IOException e) {
                LOG.debug("unreadable entry {} in {}: {}", LogSafe.text(field), key, LogSafe.text(e.getMessage()));
            }
        });
        return entries;
    }

    /** Deletes every key matching {@code MSIGHT*}, as {@code msight_reset_redis} does; returns how many. */
    public synchronized long reset() {
        try {
            Jedis redis = connection();
            long deleted = 0;
            ScanParams match = new ScanParams().match("MSIGHT*").count(500);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, match);
                if (!page.getResult().isEmpty()) {
                    deleted += redis.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            return deleted;
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    /** Stops the heartbeat and removes the entries of nodes still registered. */
    @Override
    public void close() {
        heartbeatThread.shutdownNow();
        synchronized (this) {
            for (String name : List.copyOf(registered.keySet())) {
                remove(name);
            }
            dropConnection();
        }
    }

    /** One heartbeat: rewrites every registered node, and their topics after a failure. */
    private synchronized void beat() {
        if (registered.isEmpty()) {
            return;
        }
        try {
            double now = Metadata.now();
            Pipeline pipeline = connection().pipelined();
            for (Registered node : registered.values()) {
                node.node = node.node.beat(now, node.node.status());
                pipeline.hset(NODES, node.node.name(), RegistryJson.write(node.node));
            }
            if (failingSince >= 0) {
                registered.values().forEach(node -> node.topics.forEach(topic ->
                        pipeline.hset(TOPICS, topic.name(), RegistryJson.write(topic))));
            }
            pipeline.sync();
            if (failingSince >= 0) {
                LOG.info("Heartbeat restored after {} s",
                        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - failingSince) / 1e9));
                failingSince = -1;
                errorHandled = false;
            }
        } catch (RuntimeException e) {
            dropConnection();
            heartbeatFailed(RedisFailures.describe(settings, e));
        }
    }

    private void heartbeatFailed(String reason) {
        long now = System.nanoTime();
        if (failingSince < 0) {
            failingSince = now;
            LOG.warn("Heartbeat failed: {}; retrying every {} s", reason, seconds(heartbeat.updateInterval()));
        }
        if (errorHandled || now - failingSince < heartbeat.checkingDuration().toNanos()) {
            return;
        }
        errorHandled = true;
        String message = "heartbeat failing for " + seconds(heartbeat.checkingDuration()) + " s: " + reason;
        if (heartbeat.actionOnError() == HeartbeatSettings.ActionOnError.STOP) {
            LOG.error("{}; stopping the nodes (action on error: stop)", message);
            for (Registered node : registered.values()) {
                node.node = node.node.beat(node.node.lastHeartbeat(), NodeStatus.ERROR);
                node.onHeartbeatError.accept(message);
            }
        } else {
            LOG.warn("{}; the nodes keep running (action on error: continue)", message);
        }
    }

    private void writeTopics(Jedis redis, List<TopicRecord> topics) {
        for (TopicRecord topic : topics) {
            redis.hset(TOPICS, topic.name(), RegistryJson.write(topic));
        }
    }

    /** The connection, made anew after a failure. */
    private Jedis connection() {
        if (jedis == null) {
            try {
                jedis = settings.connect(settings.socketTimeout());
            } catch (RuntimeException e) {
                throw new RedisAccessException(RedisFailures.describe(settings, e));
            }
        }
        return jedis;
    }

    private RedisAccessException failure(RuntimeException e) {
        dropConnection();
        return e instanceof RedisAccessException access ? access
                : new RedisAccessException(RedisFailures.describe(settings, e));
    }

    private void dropConnection() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // gone already
            }
            jedis = null;
        }
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
