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
import java.util.function.Function;
import java.util.function.Supplier;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.OutageLog;
import org.msight.api.data.Metadata;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import org.msight.runtime.node.LongCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * MSight's node registry in Redis, for the nodes of one process. It never harms another
 * process's entry: each entry it writes carries this registry's random {@code instance_id}, and
 * every later write or delete is a script that checks that id atomically. A Redis user who may
 * not run scripts ({@code EVAL} refused or unknown, found at the first write that needs it, or
 * later) gets one warning, and MSight's own commands from then on: {@code HGET}, the same check
 * in Java, then {@code HSET} or {@code HDEL}, not atomic, as MSight's. Every reply is read: an
 * error reply is a failed write or heartbeat. Lifecycle:
 * <ol>
 * <li>{@link #open} connects.</li>
 * <li>{@link #register} adds a node to {@code MSIGHT:NODES} unless its name is held; a held name
 *     is taken only from an entry of this runtime whose heartbeat is older than its
 *     {@code stale_after} or whose process on this machine no longer runs ({@link WriterProcess}),
 *     or when the caller asks to replace it. On success the node's topics
 *     are added to {@code MSIGHT:TOPICS} when missing (never rewritten); a refused node writes
 *     nothing.</li>
 * <li>One heartbeat thread then rewrites every registered node's {@code last_heartbeat} and
 *     {@code status} each update interval, and adds its topics when missing, so both come back
 *     after {@code FLUSHALL}, {@code msight reset-redis} or a restart of Redis.</li>
 * <li>A write that finds a node's entry held by another instance takes the name back under
 *     {@link #register}'s rules (an entry of this runtime, stale or of a process on this machine
 *     that no longer runs, as a Redis restored from an older snapshot brings back), with a
 *     warning; an entry of this runtime not yet stale is claimed again each beat until it is,
 *     unless its heartbeat moves on; otherwise the node is lost.</li>
 * <li>Every checking duration, as MSight's monitor: a lost node ({@code is not registered}), or
 *     one whose heartbeat Redis has refused for longer than a positive tolerance while serving
 *     reads ({@code is not sending heartbeat}), is in error; with {@code stop} its error handler is
 *     called and its entry says {@code ERROR}, with {@code continue} it is logged (the entry keeps
 *     its status). Redis unreachable or refusing reads too, however long, is an outage: logged
 *     when it starts and when it ends, counted, and nothing more, as MSight's nodes run on without
 *     their registry; the heartbeat then writes the entries again, those Redis lost too.</li>
 * <li>{@link #status} records {@code RUNNING}, {@code STOPPED} or {@code ERROR}.</li>
 * <li>{@link #remove} deletes a stopped node's entry if it is still ours; {@link #close} removes
 *     the rest and stops.</li>
 * </ol>
 * {@link #nodes}, {@link #topics} and {@link #reset} serve {@code msight status} and
 * {@code msight reset-redis}. On a Redis Cluster each command goes to the node of its key's slot:
 * every script touches its one key ({@code KEYS[1]}), and a pipeline is split by node.
 */
public final class NodeRegistry implements AutoCloseable {

    /** The hash of nodes: field = node name, value = JSON. */
    public static final String NODES = "MSIGHT:NODES";
    /** The hash of topics: field = topic name, value = JSON. */
    public static final String TOPICS = "MSIGHT:TOPICS";

    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);

    /**
     * Registers a node unless its name is held: ARGV = name, entry, now, replace ("1" or "0"), and
     * the instance id of a writer known to be dead ("" for none). Returns {'registered', ''},
     * {'taken', old} (a stale entry of this runtime), {'dead', old} (an entry of the dead writer),
     * {'replaced', old}, or {'refused', old} after writing nothing: another program's entry is taken
     * only when replacing. {@link #outcome} is the same rule in Java.
     */
    private static final String REGISTER = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            local outcome = 'registered'
            if current then
              outcome = 'replaced'
              if ARGV[4] ~= '1' then
                local ok, node = pcall(cjson.decode, current)
                if not (ok and type(node) == 'table') then
                  return {'refused', current}
                end
                local heartbeat, now = tonumber(node.last_heartbeat), tonumber(ARGV[3])
                local ours = node.instance_id ~= nil and node.instance_id ~= cjson.null
                if ARGV[5] ~= '' and node.instance_id == ARGV[5] then
                  outcome = 'dead'
                elseif ours and tonumber(node.stale_after) and heartbeat
                    and heartbeat < now - tonumber(node.stale_after) then
                  outcome = 'taken'
                else
                  return {'refused', current}
                end
              end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            return {outcome, current or ''}
            """;

    /**
     * Writes (ARGV[3]) or deletes (ARGV[3] empty) field ARGV[1] only if it is absent or written by
     * instance ARGV[2]: returns 1 when done, 0 when another process holds the name.
     */
    private static final String WRITE_IF_OURS = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if current then
              local ok, node = pcall(cjson.decode, current)
              if not (ok and type(node) == 'table' and node.instance_id == ARGV[2]) then
                return 0
              end
            end
            if ARGV[3] == '' then
              redis.call('HDEL', KEYS[1], ARGV[1])
            else
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
            end
            return 1
            """;

    private final RedisSettings settings;
    private final HeartbeatSettings heartbeat;
    private final String instanceId = WriterProcess.newInstanceId();
    private final Map<String, Registered> registered = new LinkedHashMap<>(); // guarded by this
    private final ScheduledExecutorService heartbeatThread;
    private UnifiedJedis redis; // guarded by this; null after a failure until the next use reconnects
    /**
     * When the last heartbeat reached Redis, or failed in an outage (Redis unreachable, or refusing
     * reads too): the time since is how long Redis has refused the heartbeats' writes alone.
     */
    private long lastBeat = System.nanoTime();
    private boolean failing; // since a heartbeat failed, until one reaches Redis
    private final LongCounter heartbeatOutages = new LongCounter();
    private final OutageLog outage = new OutageLog(LOG, "Heartbeat restored", heartbeatOutages);
    private long lastCheck = System.nanoTime();
    private final LogThrottle topicRefusals = new LogThrottle(Duration.ofMinutes(1));
    /** Whether the Redis user may run scripts, until Redis refuses one. */
    private boolean scripts = true; // guarded by this

    private static final class Registered {
        NodeRecord node;
        final List<TopicRecord> topics;
        final Consumer<String> onHeartbeatError;
        /** Another process holds the name now: nothing is written for this node any more. */
        boolean lost;
        /**
         * The {@code last_heartbeat} of the entry of this runtime, not yet stale, that holds the
         * name ({@link #takeBackOrLose}); {@code NaN} for none.
         */
        double holderBeat = Double.NaN;
        /** The action on error was applied; with {@code continue}, cleared when the heartbeat works again. */
        boolean inError;

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
        registry.heartbeatThread.scheduleWithFixedDelay(registry::beatOn, interval, interval, TimeUnit.NANOSECONDS);
        return registry;
    }

    /** Registers a node without replacing a held name; see {@link #register(NodeRecord, List, boolean, Consumer)}. */
    public void register(NodeRecord node, List<TopicRecord> topics, Consumer<String> onHeartbeatError) {
        register(node, topics, false, onHeartbeatError);
    }

    /**
     * Registers a node ({@code REGISTERED}, heartbeat now), then its topics where missing.
     *
     * @param replace take the name even from a live entry or another program's (the user asked for it)
     * @param onHeartbeatError called once, on the heartbeat thread, when the node is in error (its
     *     entry taken by another process, or its heartbeat refused by Redis beyond the tolerance) and
     *     the action on error is {@code stop}; the argument says why
     * @throws DuplicateNodeException when the name is held by an entry this node may not take
     * @throws RedisAccessException when Redis cannot be reached to check
     */
    public synchronized void register(NodeRecord node, List<TopicRecord> topics, boolean replace,
            Consumer<String> onHeartbeatError) {
        double now = Metadata.now();
        NodeRecord entry = node.beat(now, NodeStatus.REGISTERED).writtenBy(instanceId,
                seconds(heartbeat.staleAfter()));
        Claim claim = claim(entry, now, replace);
        switch (claim.outcome()) {
            case "refused" -> throw new DuplicateNodeException(node.name(), claim.previous(), now);
            case "taken", "dead" -> LOG.info("Node {} takes over its name from {}", node.name(), claim.taken(now));
            case "replaced" -> LOG.warn("Node {} replaces the entry of its name, as asked: {}", node.name(),
                    claim.previous() == null ? "unreadable" : described(claim.previous(), now));
            default -> { }
        }
        registered.put(node.name(), new Registered(entry, List.copyOf(topics), onHeartbeatError));
        try {
            writeEntries(List.of(), topics);
        } catch (RuntimeException e) {
            dropConnection();
            LOG.debug("topics of {} not written now, the heartbeat will: {}", node.name(), e.toString());
        }
    }

    /** What {@link #REGISTER} did: its outcome, and the entry it found ({@code null}: none, or unreadable). */
    private record Claim(String outcome, NodeRecord previous) {

        /** The entry a {@code taken} or {@code dead} claim took the name from, for a log line. */
        String taken(double now) {
            return (outcome.equals("dead") ? "an entry of this runtime whose process on this machine no longer runs"
                    : "a stale entry of this runtime") + " (last heartbeat " + age(previous, now) + " s ago)";
        }
    }

    /**
     * Writes {@code entry} under {@link #REGISTER}'s rules; a name refused for an entry whose
     * process on this machine no longer runs (killed, crashed) is taken at once, if no one else
     * took it meanwhile.
     */
    private Claim claim(NodeRecord entry, double now, boolean replace) {
        List<String> result = register(entry, now, replace, "");
        NodeRecord previous = result.get(0).equals("registered") ? null : readable(entry.name(), result.get(1));
        if (result.get(0).equals("refused") && previous != null && WriterProcess.deadHere(previous.instanceId())) {
            result = register(entry, now, false, previous.instanceId());
            previous = readable(entry.name(), result.get(1));
        }
        return new Claim(result.get(0), previous);
    }

    /**
     * Takes back the name of {@code node}, whose entry another instance holds, under
     * {@link #register}'s rules: a Redis restored from an older snapshot brings back a
     * predecessor's entry. When they refuse, the node is lost, unless the holder is an entry of
     * this runtime not yet stale whose heartbeat has not moved since the last claim (a
     * predecessor's of another machine, restored): the next beats claim the name again, and take
     * it once the entry is stale; a heartbeat that moves on is a live holder. A heartbeat ahead of
     * this clock by more than an update interval (another machine's clock ahead) would keep the
     * entry fresh for as long: such a holder makes the node lost at once, as before.
     */
    private void takeBackOrLose(Registered node) {
        double now = Metadata.now();
        Claim claim = claim(node.node, now, false);
        NodeRecord holder = claim.previous();
        double seen = node.holderBeat;
        node.holderBeat = Double.NaN;
        switch (claim.outcome()) {
            case "refused" -> {
                boolean restored = holder != null && holder.writtenByThisRuntime() && holder.staleAfter() > 0
                        && (Double.isNaN(seen) ? holder.lastHeartbeat() <= now + seconds(heartbeat.updateInterval())
                                : holder.lastHeartbeat() <= seen);
                if (!restored) {
                    node.lost = true;
                    return;
                }
                if (Double.isNaN(seen)) {
                    LOG.warn("Node {} finds its name in {} held by another entry of this runtime ({}), such as a Redis"
                            + " restored from an older snapshot brings back: it takes the name back once that entry is"
                            + " older than its stale_after ({} s), unless its heartbeat moves on", node.node.name(),
                            NODES, described(holder, now), holder.staleAfter());
                }
                node.holderBeat = holder.lastHeartbeat();
            }
            case "taken", "dead" -> LOG.warn("Node {} takes its name back in {} from {}, such as a Redis restored from"
                    + " an older snapshot brings back", node.node.name(), NODES, claim.taken(now));
            default -> { } // gone meanwhile: written
        }
    }

    /** The {@link #REGISTER} script's outcome and the entry it found ("" for none). */
    private List<String> register(NodeRecord entry, double now, boolean replace, String deadWriter) {
        String name = entry.name();
        String json = RegistryJson.write(entry);
        try {
            return withScripts(() -> {
                List<String> args = List.of(name, json, String.valueOf(now), replace ? "1" : "0", deadWriter);
                List<?> reply = (List<?>) connection().eval(REGISTER, List.of(NODES), args);
                return List.of(reply.get(0).toString(), reply.get(1).toString());
            }, () -> {
                String current = connection().hget(NODES, name);
                String outcome = current == null ? "registered"
                        : replace ? "replaced" : outcome(readable(name, current), now, deadWriter);
                if (!outcome.equals("refused")) {
                    connection().hset(NODES, name, json);
                }
                return List.of(outcome, current == null ? "" : current);
            });
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    /** The {@link #REGISTER} script's rule for a held name, in Java: for MSight's own commands. */
    private static String outcome(NodeRecord held, double now, String deadWriter) {
        if (held == null) {
            return "refused";
        }
        if (!deadWriter.isEmpty() && deadWriter.equals(held.instanceId())) {
            return "dead";
        }
        return held.writtenByThisRuntime() && now - held.lastHeartbeat() > held.staleAfter() ? "taken" : "refused";
    }

    private static String described(NodeRecord node, double now) {
        return "type " + LogSafe.text(node.type()) + ", device " + LogSafe.text(node.device()) + ", status "
                + node.status() + ", last heartbeat " + age(node, now) + " s ago";
    }

    private static NodeRecord readable(String name, String json) {
        try {
            return RegistryJson.node(name, json);
        } catch (IOException e) {
            return null;
        }
    }

    private static String age(NodeRecord node, double now) {
        return node == null ? "?" : String.format(Locale.ROOT, "%.1f", Math.max(0, now - node.lastHeartbeat()));
    }

    /** Records a registered node's status; written now, or by the next heartbeat when Redis is away. */
    public synchronized void status(String name, NodeStatus status) {
        Registered node = registered.get(name);
        if (node == null) {
            throw new IllegalArgumentException("node '" + name + "' is not registered here");
        }
        node.node = node.node.beat(Metadata.now(), status);
        if (node.lost) {
            return;
        }
        try {
            if (!writeIfOurs(name, RegistryJson.write(node.node))) {
                takeBackOrLose(node);
            }
        } catch (RuntimeException e) {
            dropConnection();
            LOG.debug("status of {} not written now: {}", name, e.toString());
        }
    }

    /**
     * Removes a node's entry if this registry still holds it (its topics stay: other nodes may use
     * them). Never throws for Redis.
     */
    public synchronized void remove(String name) {
        try {
            removeEntry(name);
        } catch (RedisAccessException e) {
            LOG.warn("Node {} could not remove its entry from {}: {}", name, NODES, e.getMessage());
        }
    }

    private void removeEntry(String name) {
        Registered node = registered.remove(name);
        if (node == null || node.lost) {
            return;
        }
        try {
            if (!writeIfOurs(name, "")) {
                LOG.info("Node {} leaves its name's entry in {}: another process holds it now", name, NODES);
            }
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    /** Writes node {@code name}'s entry as {@code json} (deletes it when empty) if absent or ours; whether it did. */
    private boolean writeIfOurs(String name, String json) {
        return withScripts(() -> Long.valueOf(1).equals(connection().eval(WRITE_IF_OURS, List.of(NODES),
                List.of(name, instanceId, json))), () -> {
            if (!ours(name, connection().hget(NODES, name))) {
                return false;
            }
            if (json.isEmpty()) {
                connection().hdel(NODES, name);
            } else {
                connection().hset(NODES, name, json);
            }
            return true;
        });
    }

    /** The {@link #WRITE_IF_OURS} script's rule, in Java: whether an entry ({@code null}: none) is absent or ours. */
    private boolean ours(String name, String entry) {
        NodeRecord node = entry == null ? null : readable(name, entry);
        return entry == null || node != null && instanceId.equals(node.instanceId());
    }

    /**
     * Every node entry in Redis; one whose value is not readable JSON is listed under its field
     * ({@link NodeRecord#unreadable}), as it still holds the name.
     */
    public synchronized List<NodeRecord> nodes() {
        return readAll(NODES, RegistryJson::node, NodeRecord::unreadable);
    }

    /** Every topic entry in Redis; values that are not readable JSON are left out. */
    public synchronized List<TopicRecord> topics() {
        return readAll(TOPICS, RegistryJson::topic, field -> null);
    }

    private interface EntryReader<T> {
        T read(String field, String json) throws IOException;
    }

    /** @param unreadable what stands for an entry that cannot be read, or {@code null} for nothing */
    private <T> List<T> readAll(String key, EntryReader<T> reader, Function<String, T> unreadable) {
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
                T standIn = unreadable.apply(field);
                if (standIn != null) {
                    entries.add(standIn);
                }
            }
        });
        return entries;
    }

    /**
     * Deletes every key matching {@code MSIGHT*}, as {@code msight_reset_redis} does, on every
     * master of a cluster; returns how many.
     */
    public synchronized long reset() {
        try {
            UnifiedJedis client = connection();
            long deleted = 0;
            ScanIteration scan = client.scanIteration(500, "MSIGHT*");
            while (!scan.isIterationCompleted()) {
                for (String key : scan.nextBatch().getResult()) {
                    deleted += client.del(key); // one by one: in a cluster, keys of one node may be in several slots
                }
            }
            return deleted;
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    /** The heartbeat's outages that ended: Redis away, then reached again. */
    public long heartbeatOutages() {
        return heartbeatOutages.count();
    }

    /**
     * Stops the heartbeat and removes the entries of nodes still registered; with Redis away, one
     * warning says how many are left (one wait for Redis, however many nodes).
     */
    @Override
    public void close() {
        heartbeatThread.shutdownNow();
        synchronized (this) {
            List<String> names = List.copyOf(registered.keySet());
            for (int i = 0; i < names.size(); i++) {
                try {
                    removeEntry(names.get(i));
                } catch (RedisAccessException e) { // one wait for an unreachable Redis, not one per node
                    LOG.warn("{} node entr{} left in {} ({}): they show as stale once older than their stale_after,"
                            + " and a node of the same name takes its entry over", names.size() - i,
                            names.size() - i == 1 ? "y" : "ies", NODES, e.getMessage());
                    break;
                }
            }
            registered.clear();
            dropConnection();
        }
    }

    /** The heartbeat thread's task: anything escaping it would end the beats for good, silently. */
    private void beatOn() {
        try {
            beat();
        } catch (RuntimeException | Error e) {
            LOG.error("Heartbeat failed: {}; the next one comes as due", e.toString());
        }
    }

    /** One heartbeat: rewrites every registered node's entry still ours, adds missing topics, then checks. */
    private synchronized void beat() {
        if (registered.isEmpty()) {
            return;
        }
        try {
            double now = Metadata.now();
            List<Registered> live = registered.values().stream().filter(node -> !node.lost).toList();
            live.forEach(node -> node.node = node.node.beat(now, node.node.status()));
            writeEntries(live, live.stream().flatMap(node -> node.topics.stream()).toList());
            lastBeat = System.nanoTime();
            outage.up();
            if (failing) {
                failing = false;
                if (heartbeat.actionOnError() == HeartbeatSettings.ActionOnError.CONTINUE) {
                    registered.values().forEach(node -> node.inError = node.lost && node.inError);
                }
            }
        } catch (RuntimeException | Error e) { // an Error too (no memory for a reply): the connection may be mid-reply
            dropConnection();
            failing = true;
            if (!answered(e) || !readsWork()) {
                lastBeat = System.nanoTime();
            }
            outage.down("Heartbeat failed: " + RedisFailures.describe(settings, e));
        }
        check();
    }

    /** Whether Redis answered the failed heartbeat with an error reply: reachable, refusing writes or reads too. */
    private static boolean answered(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof JedisDataException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether Redis, which refused the heartbeat, serves a read of a node's entry, as MSight's
     * monitor reads it: then it refuses the writes alone ({@code MISCONF}, {@code OOM},
     * {@code READONLY}, {@code NOREPLICAS}), and the time counts toward the tolerance, as the
     * monitor stops a node whose heartbeat grows stale. A Redis that refuses reads too
     * ({@code LOADING}, {@code MASTERDOWN}, a new password, {@code BUSY}, too many clients) is in
     * an outage: the monitor ends at its first failed read, and the node runs on.
     */
    private boolean readsWork() {
        try {
            connection().hget(NODES, registered.keySet().iterator().next());
            return true;
        } catch (RuntimeException e) {
            dropConnection();
            return false;
        }
    }

    /** MSight's monitor, every checking duration: a node whose name was taken, or whose heartbeat Redis refuses. */
    private void check() {
        long now = System.nanoTime();
        if (now - lastCheck < heartbeat.checkingDuration().toNanos()) {
            return;
        }
        lastCheck = now;
        boolean stale = heartbeat.checksStaleness() && failing
                && now - lastBeat > heartbeat.tolerance().toNanos();
        for (Registered node : registered.values()) {
            if (node.inError) {
                continue;
            }
            if (node.lost) {
                inError(node, "is not registered, it may be dead (another process holds its entry in " + NODES + ")");
            } else if (stale) {
                inError(node, String.format(Locale.ROOT, "is not sending heartbeat (Redis refused it for %.1f s,"
                        + " tolerance %s s)", (now - lastBeat) / 1e9, seconds(heartbeat.tolerance())));
            }
        }
    }

    private void inError(Registered node, String reason) {
        node.inError = true;
        String message = "Node " + node.node.name() + " " + reason + ".";
        if (heartbeat.actionOnError() == HeartbeatSettings.ActionOnError.STOP) {
            // written by the next heartbeat that reaches Redis; with continue the status stays
            node.node = node.node.beat(node.node.lastHeartbeat(), NodeStatus.ERROR);
            LOG.error("{} Stopping it (action on error: stop)", message);
            try {
                node.onHeartbeatError.accept(reason);
            } catch (RuntimeException | Error e) { // the other nodes are checked still; this one again at the next check
                node.inError = false;
                LOG.error("Node {}: stopping it failed: {}", node.node.name(), e.toString());
            }
        } else {
            LOG.warn("{} It keeps running (action on error: continue)", message);
        }
    }

    /**
     * Writes the entries of {@code nodes} that are absent or ours, takes the others back or marks
     * them lost ({@link #takeBackOrLose}), and adds the {@code topics} missing: one pipeline of
     * scripts and {@code HSETNX}, or, with MSight's own commands, one pipeline of {@code HGET},
     * then one of {@code HSET}. An error reply for a node's entry throws; one for a topic never
     * does ({@link #topicReply}).
     */
    private void writeEntries(List<Registered> nodes, List<TopicRecord> topics) {
        List<Registered> held = withScripts(() -> {
            try (PipelineBase pipeline = connection().pipelined()) { // closing gives its connection back
                Map<Registered, Response<Object>> writes = new LinkedHashMap<>();
                nodes.forEach(node -> writes.put(node, pipeline.eval(WRITE_IF_OURS, List.of(NODES),
                        List.of(node.node.name(), instanceId, RegistryJson.write(node.node)))));
                List<Response<Long>> added = topics.stream()
                        .map(topic -> pipeline.hsetnx(TOPICS, topic.name(), RegistryJson.write(topic))).toList();
                pipeline.sync();
                List<Registered> others = writes.entrySet().stream()
                        .filter(write -> !Long.valueOf(1).equals(write.getValue().get())).map(Map.Entry::getKey).toList();
                added.forEach(reply -> topicReply(reply, null));
                return others;
            }
        }, () -> {
            Map<Registered, Response<String>> entries = new LinkedHashMap<>();
            Map<TopicRecord, Response<String>> topicEntries = new LinkedHashMap<>();
            try (PipelineBase pipeline = connection().pipelined()) {
                nodes.forEach(node -> entries.put(node, pipeline.hget(NODES, node.node.name())));
                topics.forEach(topic -> topicEntries.put(topic, pipeline.hget(TOPICS, topic.name())));
                pipeline.sync();
            }
            List<Registered> others = new ArrayList<>();
            try (PipelineBase pipeline = connection().pipelined()) {
                List<Response<Long>> writes = new ArrayList<>();
                List<Response<Long>> topicWrites = new ArrayList<>();
                entries.forEach((node, entry) -> {
                    if (ours(node.node.name(), entry.get())) {
                        writes.add(pipeline.hset(NODES, node.node.name(), RegistryJson.write(node.node)));
                    } else {
                        others.add(node);
                    }
                });
                topicEntries.forEach((topic, entry) -> {
                    if (topicReply(entry, "") == null) { // missing ("" when the read was refused: left alone)
                        topicWrites.add(pipeline.hset(TOPICS, topic.name(), RegistryJson.write(topic)));
                    }
                });
                pipeline.sync();
                writes.forEach(Response::get);
                topicWrites.forEach(reply -> topicReply(reply, null));
            }
            return others;
        });
        held.forEach(this::takeBackOrLose);
    }

    /**
     * The reply to a command on {@link #TOPICS}, or {@code refused} for an error reply (a user whose
     * ACL lets it write only {@link #NODES}, or read only the topics): never a failed heartbeat, as
     * Python MSight, which only reads an existing topic, runs on; said at most once a minute.
     */
    private <T> T topicReply(Response<T> reply, T refused) {
        try {
            return reply.get();
        } catch (JedisDataException e) {
            long refusals = topicRefusals.occurred();
            if (refusals > 0) {
                LOG.warn("Topics not written to {} ({} refusal(s) since the last line), the nodes run on: {}", TOPICS,
                        refusals, RedisFailures.describe(settings, e));
            }
            return refused;
        }
    }

    /**
     * {@code scripted} while Redis runs this user's scripts, else {@code ownCommands}: the first
     * script Redis refuses switches to MSight's own commands for good, with one warning.
     */
    private <T> T withScripts(Supplier<T> scripted, Supplier<T> ownCommands) {
        if (scripts) {
            try {
                return scripted.get();
            } catch (RuntimeException e) {
                if (!RedisFailures.refusesScripts(e)) {
                    throw e;
                }
                scripts = false;
                LOG.warn("Redis at {} runs no scripts for this user ({}): the registry writes {} with MSight's own"
                        + " commands (HGET, then HSET or HDEL), not atomically, as Python MSight: two nodes that take"
                        + " one name at the same instant may both start", settings.address(),
                        LogSafe.text(e.getMessage()), NODES);
            }
        }
        return ownCommands.get();
    }

    /** The connection, made anew after a failure. */
    private UnifiedJedis connection() {
        if (redis == null) {
            try {
                redis = settings.client(settings.socketTimeout());
            } catch (RuntimeException e) {
                throw failure(e);
            }
        }
        return redis;
    }

    /**
     * {@code e} as a {@link RedisAccessException}, with {@code e} as its cause: whether Redis answered
     * ({@link #answered}).
     */
    private RedisAccessException failure(RuntimeException e) {
        dropConnection();
        if (e instanceof RedisAccessException access) {
            return access;
        }
        RedisAccessException failure = new RedisAccessException(RedisFailures.describe(settings, e));
        failure.initCause(e);
        return failure;
    }

    private void dropConnection() {
        if (redis != null) {
            try {
                redis.close();
            } catch (RuntimeException ignored) {
                // gone already
            }
            redis = null;
        }
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
