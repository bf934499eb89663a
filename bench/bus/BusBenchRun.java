import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.bus.BusProvider;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.NatsTestServer;
import org.msight.testkit.RedisTestServer;

/**
 * Runs bench/bus: for each bus, a subscriber process and a publisher process (one process for
 * the memory bus) at 30 messages/s and at saturation, each on a server of its own on loopback,
 * beside the server's own load tool where one exists, and prints one table.
 *
 * <pre>BusBenchRun SECONDS BUS,BUS,...</pre>
 */
public final class BusBenchRun {

    private static final Pattern PUBLISHER = Pattern.compile(
            "publisher published (\\d+) refused (\\d+) in [\\d.]+ s: ([\\d.]+)/s, CPU ([\\d.]+) ms/message");
    private static final Pattern SUBSCRIBER = Pattern.compile("subscriber received (\\d+): ([\\d.]+)/s, latency p50"
            + " ([\\d.]+|NaN) ms p99 ([\\d.]+|NaN) ms, CPU ([\\d.]+) ms/message");
    private static final String SIZE = String.valueOf(110 * 1024);

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

    /** {@link #phase(String, String, String, String)} in a row called {@code label}. */
    private void phase(String label, String bus, String settings, String rate, String reference) throws Exception {
        Path dir = Files.createTempDirectory("bus-bench-");
        String topic = "bench-" + UUID.randomUUID();
        String output;
        Matcher pub;
        Matcher sub;
        if (bus.equals("memory")) {
            output = run(List.of("both", bus, settings, topic, rate, String.valueOf(seconds), dir.toString()));
            pub = find(PUBLISHER, output);
            sub = find(SUBSCRIBER, output);
        } else {
            Process subscriber = start(List.of("subscribe", bus, settings, topic, dir.toString()));
            String publisherOutput = run(List.of("publish", bus, settings, topic, rate, String.valueOf(seconds),
                    dir.toString()));
            subscriber.waitFor(seconds + 120L, TimeUnit.SECONDS);
            output = publisherOutput + new String(subscriber.getInputStream().readAllBytes());
            pub = find(PUBLISHER, output);
            sub = find(SUBSCRIBER, output);
        }
        if (pub == null || sub == null) {
            rows.add(String.format("%-7s %-5s failed: %s", label, rate.equals("max") ? "max" : rate + "/s", output));
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

    private static Process start(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "BusBench"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String run(List<String> args) throws Exception {
        Process process = start(args);
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return output;
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

    private static String tool(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return output;
    }
}
