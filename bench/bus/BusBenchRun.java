import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.bus.BusProvider;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.NatsTestServer;
import org.msight.testkit.RedisTestServer;

/**
 * Runs bench/bus: for each bus, a subscriber process and a publisher process (one process for
 * the memory bus) at 30 messages/s and at saturation, each on a server of its own on loopback,
 * beside the server's own load tool where one exists, and prints one table. Every process it starts
 * has a deadline: one past it is killed, with a line saying so (on standard error, and in its row);
 * those still running when this JVM exits (Ctrl-C, an exception) are killed by a shutdown hook.
 *
 * <pre>BusBenchRun SECONDS BUS,BUS,...</pre>
 */
public final class BusBenchRun {

    private static final Pattern PUBLISHER = Pattern.compile(
            "publisher published (\\d+) refused (\\d+) in [\\d.]+ s: ([\\d.]+)/s, CPU ([\\d.]+) ms/message");
    private static final Pattern SUBSCRIBER = Pattern.compile("subscriber received (\\d+): ([\\d.]+)/s, latency p50"
            + " ([\\d.]+|NaN) ms p99 ([\\d.]+|NaN) ms, CPU ([\\d.]+) ms/message");
    private static final String SIZE = String.valueOf(110 * 1024);
    /** How long the subscriber may take to report once the publisher has ended: it waits 10 s for the last messages. */
    private static final Duration SUBSCRIBER_AFTER_PUBLISHER = Duration.ofSeconds(60);
    /** How long redis-benchmark or one of Kafka's perf tools may run (3000 messages of 110 KB). */
    private static final Duration TOOL = Duration.ofMinutes(5);
    /** The processes started and not yet ended, killed by the shutdown hook. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    /** The phases' folders not yet deleted, deleted by the shutdown hook after those processes have gone. */
    private static final Set<Path> FOLDERS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RUNNING.forEach(process -> {
                try {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            FOLDERS.forEach(BusBenchRun::delete);
        }, "bench-processes-kill"));
    }

    private final int seconds;
    private final List<String> rows = new ArrayList<>();

    private BusBenchRun(int seconds) {
        this.seconds = seconds;
    }

    public static void main(String[] args) throws Exception {
        BusBenchRun run = new BusBenchRun(Integer.parseInt(args[0]));
        for (String bus : args[1].split(",")) {
            run.bench(bus.trim());
        }
        System.out.printf("%-7s %-5s %9s %8s %8s %8s %10s %10s  %s%n", "bus", "load", "messages", "msg/s", "p50 ms",
                "p99 ms", "pub CPU ms", "sub CPU ms", "reference on the same server, and ours / reference");
        run.rows.forEach(System.out::println);
    }

    private void bench(String bus) throws Exception {
        String provider = bus.equals("jetstream") ? "nats" : bus;
        if (ServiceLoader.load(BusProvider.class).stream().noneMatch(p -> p.get().name().equals(provider))) {
            rows.add(String.format("%-7s no '%s' bus provider on the class path: not measured", bus, bus));
            return;
        }
        switch (bus) {
            case "memory" -> {
                phase(bus, "", "30", null);
                phase(bus, "", "max", null);
            }
            case "redis" -> {
                try (RedisTestServer redis = new RedisTestServer().start()) {
                    String settings = "host = 127.0.0.1, port = " + redis.port();
                    String redisSet = redisBenchmark(redis.port());
                    phase("redis", settings, "30", null);
                    phase("redis", settings, "max", redisSet);
                }
            }
            case "kafka" -> {
                try (KafkaTestServer kafka = new KafkaTestServer().start()) {
                    String settings = "servers = \"" + kafka.bootstrapServers() + "\", start-position = latest";
                    phase("kafka", settings, "30", kafkaProducerPerf(kafka, "30", 30 * seconds));
                    phase("kafka", settings, "max", kafkaProducerPerf(kafka, "-1", 3000) + "; "
                            + kafkaConsumerPerf(kafka, 3000));
                }
            }
            case "nats" -> {
                try (NatsTestServer nats = new NatsTestServer().start()) {
                    String settings = "servers = \"['" + nats.url() + "']\"";
                    String none = "no load tool: Debian's nats-server package has no 'nats bench'";
                    phase("nats", settings, "30", none);
                    phase("nats", settings, "max", none);
                }
            }
            case "jetstream" -> {
                try (NatsTestServer nats = new NatsTestServer(true).start()) {
                    String settings = "servers = \"['" + nats.url() + "']\", jetstream.enabled = true";
                    String none = "no load tool: Debian's nats-server package has no 'nats bench'";
                    phase("nats-js", "nats", settings, "30", none);
                    phase("nats-js", "nats", settings, "max", none);
                }
            }
            default -> rows.add(String.format("%-7s unknown bus", bus));
        }
    }

    /** One measured phase: subscriber and publisher processes; one row of the table. */
    private void phase(String bus, String settings, String rate, String reference) throws Exception {
        phase(bus, bus, settings, rate, reference);
    }

    /** {@link #phase(String, String, String, String)} in a row called {@code label}; its folder deleted after. */
    private void phase(String label, String bus, String settings, String rate, String reference) throws Exception {
        Path dir = Files.createTempDirectory("bus-bench-");
        FOLDERS.add(dir);
        try {
            phase(label, bus, settings, rate, reference, dir);
        } finally {
            delete(dir);
            FOLDERS.remove(dir);
        }
    }

    /** Deletes a phase's folder and what it holds; a file that cannot be deleted is named on standard error. */
    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            System.err.println("bus bench: could not delete " + dir + ": " + e);
        }
    }

    private void phase(String label, String bus, String settings, String rate, String reference, Path dir)
            throws Exception {
        String topic = "bench-" + UUID.randomUUID();
        // The publisher waits for the subscriber's first message, then publishes for the measured seconds.
        Duration publisherLimit = Duration.ofMinutes(BusBench.READY_MINUTES).plusSeconds(seconds + 60L);
        String output;
        if (bus.equals("memory")) {
            output = run("the memory bus's publisher and subscriber", List.of("both", bus, settings, topic, rate,
                    String.valueOf(seconds), dir.toString()), dir.resolve("both.out"), publisherLimit);
        } else {
            Path subscriberOutput = dir.resolve("subscriber.out");
            Process subscriber = start(List.of("subscribe", bus, settings, topic, dir.toString()), subscriberOutput);
            try {
                String publisherOutput = run("the " + bus + " publisher", List.of("publish", bus, settings, topic, rate,
                        String.valueOf(seconds), dir.toString()), dir.resolve("publisher.out"), publisherLimit);
                output = publisherOutput + finish(subscriber, "the " + bus + " subscriber", subscriberOutput,
                        SUBSCRIBER_AFTER_PUBLISHER);
            } finally {
                kill(subscriber);
            }
        }
        Matcher pub = find(PUBLISHER, output);
        Matcher sub = find(SUBSCRIBER, output);
        if (pub == null || sub == null) {
            rows.add(String.format("%-7s %-5s failed: %s", label, rate.equals("max") ? "max" : rate + "/s",
                    output.strip()));
            return;
        }
        double rateOurs = Double.parseDouble(sub.group(2));
        rows.add(String.format(Locale.ROOT, "%-7s %-5s %9s %8.1f %8s %8s %10s %10s  %s", label,
                rate.equals("max") ? "max" : rate + "/s", sub.group(1), rateOurs, sub.group(3), sub.group(4),
                pub.group(4), bus.equals("memory") ? "(same)" : sub.group(5), reference == null ? "-"
                        : withRatio(reference, rate.equals("max") ? rateOurs : Double.NaN, sub.group(3))));
    }

    /** The reference with our rate (at saturation) or our p50 (at 30/s) as a ratio of its figure. */
    private static String withRatio(String reference, double ourRate, String ourP50) {
        Matcher rate = Pattern.compile("([\\d.]+) (?:records|msg|requests)/s").matcher(reference);
        if (!Double.isNaN(ourRate) && rate.find()) {
            return reference + String.format(Locale.ROOT, " => rate %.2f", ourRate / Double.parseDouble(rate.group(1)));
        }
        Matcher p50 = Pattern.compile("p50 ([\\d.]+) ms").matcher(reference);
        if (Double.isNaN(ourRate) && p50.find() && !ourP50.equals("NaN")) {
            return reference + String.format(Locale.ROOT, " => p50 %.2f",
                    Double.parseDouble(ourP50) / Math.max(0.01, Double.parseDouble(p50.group(1))));
        }
        return reference;
    }

    private static Matcher find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher : null;
    }

    /** Starts a side of the bench (BusBench ARGS), its output to {@code output}. */
    private static Process start(List<String> args, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "BusBench"));
        command.addAll(args);
        return start(new ProcessBuilder(command), output);
    }

    /**
     * Starts {@code builder}'s program, standard output and error to the file {@code output}: no
     * pipe to read, that a process still running (or its child) would hold open.
     */
    private static Process start(ProcessBuilder builder, Path output) throws IOException {
        Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(new File("/dev/null")).start();
        RUNNING.add(process);
        return process;
    }

    /** Runs a side of the bench (BusBench ARGS) to its end, {@code limit} at most; returns its output. */
    private static String run(String what, List<String> args, Path output, Duration limit) throws Exception {
        return finish(start(args, output), what, output, limit);
    }

    /**
     * Waits until {@code process} ends, {@code limit} at most, and returns its output; past the
     * limit it is killed (SIGKILL), and the output ends with a line saying so, also printed on
     * standard error at once.
     */
    private static String finish(Process process, String what, Path output, Duration limit) throws Exception {
        String timedOut = "";
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = what + " did not end within " + limit.toSeconds() + " s: killed";
                System.err.println("bus bench: " + timedOut);
            }
        } finally {
            kill(process);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        return timedOut.isEmpty() ? text : text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + timedOut + "\n";
    }

    /** Kills {@code process} if it still runs, and waits (5 s at most) until it has gone. */
    private static void kill(Process process) throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        RUNNING.remove(process);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** redis-benchmark's SET of 110 KB values, one client, no pipelining: the server's own ceiling. */
    private static String redisBenchmark(int port) throws Exception {
        String csv = tool(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", String.valueOf(port), "-t", "set",
                "-d", SIZE, "-n", "3000", "-c", "1", "--csv"), Map.of());
        Matcher rps = Pattern.compile("\"SET\",\"([\\d.]+)\"").matcher(csv);
        return rps.find() ? "redis-benchmark SET 110 KB, 1 client: " + rps.group(1) + " requests/s"
                : "redis-benchmark failed: " + csv;
    }

    /** kafka-producer-perf-test with the bus's producer settings; its latency is to the broker's ack. */
    private static String kafkaProducerPerf(KafkaTestServer kafka, String throughput, int records) throws Exception {
        String out = tool(List.of(java(), "-Xmx512m", "-cp", kafka.classpath(), "org.apache.kafka.tools.ProducerPerformance",
                "--topic", "perf-" + UUID.randomUUID(), "--num-records", String.valueOf(records), "--record-size", SIZE,
                "--throughput", throughput, "--producer-props", "bootstrap.servers=" + kafka.bootstrapServers(),
                "acks=all", "linger.ms=5", "batch.size=524288"), Map.of());
        Matcher result = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec .* ([\\d.]+) ms 50th, [\\d.]+ ms"
                + " 95th, ([\\d.]+) ms 99th").matcher(out);
        String label = "kafka-producer-perf-test " + (throughput.equals("-1") ? "max" : throughput + "/s");
        return result.find() ? String.format(Locale.ROOT, "%s: %s records/s, ack p50 %s ms p99 %s ms", label,
                result.group(2), result.group(3), result.group(4)).replace("ack p50", "p50") : label + " failed: " + out;
    }

    /** kafka-consumer-perf-test reading what the producer test wrote. */
    private static String kafkaConsumerPerf(KafkaTestServer kafka, int messages) throws Exception {
        String topic = "perf-consumer-" + UUID.randomUUID();
        tool(List.of(java(), "-Xmx512m", "-cp", kafka.classpath(), "org.apache.kafka.tools.ProducerPerformance",
                "--topic", topic, "--num-records", String.valueOf(messages), "--record-size", SIZE, "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + kafka.bootstrapServers()), Map.of());
        String out = tool(List.of(java(), "-Xmx512m", "-cp", kafka.classpath(), "org.apache.kafka.tools.ConsumerPerformance",
                "--bootstrap-server", kafka.bootstrapServers(), "--topic", topic, "--messages", String.valueOf(messages)),
                Map.of());
        String[] lines = out.strip().split("\n");
        String[] fields = lines[lines.length - 1].split(",\\s*");
        return fields.length > 5 ? "kafka-consumer-perf-test: " + fields[5].trim() + " msg/s"
                : "kafka-consumer-perf-test failed: " + out;
    }

    /** Runs a load tool to its end, {@link #TOOL} at most (killed after, with a line saying so); returns its output. */
    private static String tool(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Path output = Files.createTempFile("bus-bench-tool-", ".out");
        try {
            String name = command.contains("-cp") ? command.get(command.indexOf("-cp") + 2) : command.get(0);
            return finish(start(builder, output), name, output, TOOL);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
