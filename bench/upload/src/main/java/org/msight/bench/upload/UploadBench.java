package org.msight.bench.upload;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.Counter;
import org.msight.api.AsyncSinkNode;
import org.msight.api.data.ImageData;
import org.msight.codec.MsightCodec;
import org.msight.plugins.httpuploader.HttpUploaderProvider;
import org.msight.runtime.node.AsyncDelivery;
import org.msight.runtime.node.DeliverySettings;
import org.msight.testkit.FreePorts;
import org.msight.testkit.TestNodeContext;

/**
 * Uploads the same ~110 KB JPEG frame, as MSight's JSON, to one local server (its own JVM)
 * through the http-uploader node and through wrk, at concurrency 1, 4 and 16, and prints
 * uploads per second, p50/p99 latency and CPU per upload of each client, with ratios. Each
 * client runs {@value #ROUNDS} times per concurrency, the two taking turns, and its fastest run
 * counts: on a machine other work shares, that is the least disturbed one of each.
 *
 * <p>With {@code FLOOR=1} in the environment, two {@link NioFloorClient}s take their turns too,
 * and a second table shows the least a Java client costs doing the uploader's work per request,
 * on one thread and with the runtime's hand-off between threads.
 */
public final class UploadBench {

    private static final String CONCURRENCY = "1,4,16";
    private static final Duration WARMUP = Duration.ofSeconds(3);
    /** Warm-up runs go on until the JIT compiled less than this (milliseconds) during one, at most 10. */
    private static final long JIT_QUIET_MILLIS = 100;
    private static final int ROUNDS = 3;
    private static final MsightCodec FORMATS = MsightCodec.withBuiltInTypes();

    /** One client's run; latencies are NaN where the client does not time its requests. */
    record Figures(double perSecond, double p50Millis, double p99Millis, double cpuMicrosPerUpload,
            double serverCpuMicrosPerUpload) {
    }

    private UploadBench() {
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(Integer.parseInt(args.length > 0 ? args[0] : "5"));
        List<Integer> concurrencies = Arrays.stream((args.length > 1 ? args[1] : CONCURRENCY).split(","))
                .map(Integer::valueOf).toList();
        boolean floor = "1".equals(System.getenv("FLOOR"));
        Path work = Files.createTempDirectory("upload-bench");
        Server started = startServer();
        Process server = started.process();
        int port = started.port();
        // A bench stopped with Ctrl-C or kill runs no finally block: the hook stops the server then.
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy, "server-stop"));
        try {
            ImageData frame = BenchFrame.make();
            Path body = work.resolve("body.json");
            try (OutputStream out = Files.newOutputStream(body)) {
                FORMATS.writeJson(frame, out);
            }
            Path script = work.resolve("post.lua");
            Files.writeString(script, """
                    wrk.method = "POST"
                    local f = assert(io.open("%s", "rb"))
                    wrk.body = f:read("*a")
                    f:close()
                    wrk.headers["Content-Type"] = "application/json"
                    wrk.headers["X-Partition-Key"] = "bench_sensor0"
                    """.formatted(body));
            String url = "http://127.0.0.1:" + port + "/upload";
            System.out.printf(Locale.ROOT, "HTTP upload: %d-byte JPEG (%dx%d) -> %d-byte JSON body, %d s per run, best of %d,"
                    + " %d cores, Java %s, the JDK's Base64 intrinsic %s%n%n", frame.image().length, BenchFrame.WIDTH,
                    BenchFrame.HEIGHT, Files.size(body), measure.toSeconds(), ROUNDS,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    // without it (JDK 17 on x86 without AVX-512) the uploader's Base64 costs several times more
                    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                            .getVMOption("UseBASE64Intrinsics").getValue().equals("true") ? "on" : "off");
            // Both JVMs (client and server) compile their hot paths first, so that the first row is not charged
            // for it: on a slow host C2 still compiled for 15 s, so the uploader warms up until its JIT is quiet.
            int most = concurrencies.stream().max(Integer::compare).orElseThrow();
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            int warmups = 0;
            long compiled;
            do {
                long before = jit.getTotalCompilationTime();
                uploader(url, most, frame, WARMUP, server);
                compiled = jit.getTotalCompilationTime() - before;
            } while (compiled > JIT_QUIET_MILLIS && ++warmups < 10);
            wrk(url, most, script, WARMUP, server);
            if (floor) {
                NioFloorClient.run(port, most, FORMATS, frame, false, WARMUP, WARMUP, server);
                NioFloorClient.run(port, most, FORMATS, frame, true, WARMUP, WARMUP, server);
            }
            System.out.printf(Locale.ROOT, "warm-up: %d uploader run(s) of %d s, the last one's JIT time %d ms%n%n",
                    warmups + 1, 2 * WARMUP.toSeconds(), compiled);
            System.out.println("| concurrency | uploader /s | wrk /s | rate ratio | uploader p50 / p99 ms"
                    + " | wrk p50 / p99 ms | uploader CPU us/upload | wrk CPU us/req | CPU ratio | server CPU us/req"
                    + " (uploader / wrk) |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            StringBuilder floorTable = new StringBuilder();
            for (int concurrency : concurrencies) {
                Figures ours = null;
                Figures wrk = null;
                Figures oneThread = null;
                Figures handOff = null;
                for (int round = 0; round < ROUNDS; round++) {
                    ours = faster(ours, uploader(url, concurrency, frame, measure, server));
                    wrk = faster(wrk, wrk(url, concurrency, script, measure, server));
                    if (floor) {
                        oneThread = faster(oneThread, NioFloorClient.run(port, concurrency, FORMATS, frame, false,
                                Duration.ZERO, measure, server));
                        handOff = faster(handOff, NioFloorClient.run(port, concurrency, FORMATS, frame, true,
                                Duration.ZERO, measure, server));
                    }
                }
                if (floor) {
                    floorRow(floorTable, concurrency, "wrk", wrk, wrk);
                    floorRow(floorTable, concurrency, "Java NIO, one thread", oneThread, wrk);
                    floorRow(floorTable, concurrency, "Java NIO, bodies made on a second thread", handOff, wrk);
                    floorRow(floorTable, concurrency, "http-uploader", ours, wrk);
                }
                System.out.printf(Locale.ROOT, "| %d | %.0f | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f | %.0f | %.0f | %.2f | %.0f / %.0f |%n",
                        concurrency, ours.perSecond, wrk.perSecond, ours.perSecond / wrk.perSecond, ours.p50Millis,
                        ours.p99Millis, wrk.p50Millis, wrk.p99Millis, ours.cpuMicrosPerUpload, wrk.cpuMicrosPerUpload,
                        ours.cpuMicrosPerUpload / wrk.cpuMicrosPerUpload, ours.serverCpuMicrosPerUpload,
                        wrk.serverCpuMicrosPerUpload);
            }
            System.out.println("\nrate ratio: uploader / wrk (1.00 = as fast); CPU ratio: uploader / wrk per request"
                    + " (client process only; the server runs in its own JVM, its CPU per request is the last column).");
            if (floor) {
                System.out.println("\nThe least a Java client costs: wrk's loop on NIO, making each request's JSON body anew,"
                        + " on one thread, and with bodies made on a second thread as the runtime's node thread does\n");
                System.out.println("| concurrency | client | uploads/s | rate ratio to wrk | CPU us/upload"
                        + " | CPU ratio to wrk | server CPU us/req |");
                System.out.println("|---|---|---|---|---|---|---|");
                System.out.print(floorTable);
            }
        } finally {
            server.destroy();
        }
    }

    private static Figures faster(Figures best, Figures next) {
        return best == null || next.perSecond > best.perSecond ? next : best;
    }

    private static void floorRow(StringBuilder table, int concurrency, String client, Figures figures, Figures wrk) {
        table.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.2f | %.0f | %.2f | %.0f |%n", concurrency, client,
                figures.perSecond, figures.perSecond / wrk.perSecond, figures.cpuMicrosPerUpload,
                figures.cpuMicrosPerUpload / wrk.cpuMicrosPerUpload, figures.serverCpuMicrosPerUpload));
    }

    private static Figures uploader(String url, int concurrency, ImageData frame, Duration measure, Process server)
            throws Exception {
        LatencyLog log = new LatencyLog();
        TestNodeContext context = TestNodeContext.of("http-uploader", "url = \"" + url + "\", max-in-flight = "
                        + concurrency + ", partition-key-mode = sensor_name, log-uploads-at = debug")
                .withNodeName("bench_uploader").withDeviceName("bench").withSensorName(null).withLogger(log);
        AsyncSinkNode node = (AsyncSinkNode) new HttpUploaderProvider().create(context);
        node.open();
        AsyncSinkNode timed = data -> {
            long start = System.nanoTime();
            return node.send(data).whenComplete((ignored, failure) -> log.record(System.nanoTime() - start));
        };
        AsyncDelivery delivery = new AsyncDelivery("bench_uploader", timed, DeliverySettings.from(context.config()
                .withFallback(ConfigFactory.defaultReference().getConfig("msight.node-defaults"))), context.formats(),
                log, data -> { }, nanos -> { }, context::counter);
        // Stopped by a flag, not an interrupt: an interrupt inside the HTTP client's request making
        // fails that request ("interrupted or timed out") and the delivery retries it.
        AtomicBoolean feeding = new AtomicBoolean(true);
        Thread feeder = new Thread(() -> {
            try {
                while (feeding.get()) {
                    delivery.submit(frame, () -> { });
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "feeder");
        feeder.start();
        Thread.sleep(WARMUP.toMillis());
        Counter uploads = context.counter("uploads");
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        log.start();
        long startUploads = uploads.count();
        long startCpu = os.getProcessCpuTime();
        long startServerCpu = cpuNanos(server);
        long start = System.nanoTime();
        Thread.sleep(measure.toMillis());
        long done = uploads.count() - startUploads;
        long cpu = os.getProcessCpuTime() - startCpu;
        long serverCpu = cpuNanos(server) - startServerCpu;
        long elapsed = System.nanoTime() - start;
        long[] latencies = log.stop();
        feeding.set(false);
        feeder.join();
        delivery.flush(Duration.ofSeconds(10));
        delivery.close();
        node.close();
        long failed = context.counter("failed").count();
        if (failed > 0) {
            throw new IllegalStateException(failed + " uploads failed");
        }
        return new Figures(done * 1e9 / elapsed, percentile(latencies, 0.50) / 1e6, percentile(latencies, 0.99) / 1e6,
                cpu / 1e3 / done, serverCpu / 1e3 / done);
    }

    static long cpuNanos(Process process) {
        return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException(
                "the server's CPU time cannot be read")).toNanos();
    }

    private static Figures wrk(String url, int concurrency, Path script, Duration measure, Process server)
            throws Exception {
        String command = String.format(Locale.ROOT, "wrk -t%d -c%d -d%ds --latency -s %s '%s?partition_key=bench_sensor0'; times",
                Math.min(concurrency, 2), concurrency, measure.toSeconds(), script, url);
        long startServerCpu = cpuNanos(server);
        Process wrk = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String output;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(wrk.getInputStream(), StandardCharsets.UTF_8))) {
            output = String.join("\n", in.lines().toList());
        }
        int exit = wrk.waitFor();
        long serverCpu = cpuNanos(server) - startServerCpu;
        if (exit != 0 || !output.contains("Requests/sec")) {
            throw new IllegalStateException("wrk failed:\n" + output);
        }
        if (output.contains("Non-2xx") || output.contains("Socket errors")) {
            throw new IllegalStateException("wrk saw errors:\n" + output);
        }
        long requests = Long.parseLong(find(output, "(\\d+) requests in"));
        Matcher times = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s").matcher(output);
        double cpuSeconds = 0;
        while (times.find()) {
            // The last line of `times` is the children's (wrk's) user and system time.
            cpuSeconds = Integer.parseInt(times.group(1)) * 60 + Double.parseDouble(times.group(2))
                    + Integer.parseInt(times.group(3)) * 60 + Double.parseDouble(times.group(4));
        }
        return new Figures(Double.parseDouble(find(output, "Requests/sec:\\s+([\\d.]+)")),
                millis(find(output, "\\n\\s+50%\\s+(\\S+)")), millis(find(output, "\\n\\s+99%\\s+(\\S+)")),
                cpuSeconds * 1e6 / requests, serverCpu / 1e3 / requests);
    }

    private static double millis(String wrkDuration) {
        Matcher m = Pattern.compile("([\\d.]+)(us|ms|s)").matcher(wrkDuration);
        if (!m.matches()) {
            throw new IllegalStateException("unexpected wrk duration " + wrkDuration);
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1e3;
            case "ms" -> value;
            default -> value * 1e3;
        };
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + regex + "' in:\n" + text);
        }
        return m.group(1);
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    /** The benchmark server's process, and the port it listens on. */
    private record Server(Process process, int port) {
    }

    /**
     * The benchmark server, on a port the test kit's {@link FreePorts} picks (outside the ephemeral
     * range, reserved against test JVMs); ready once it says it listens, which it does after its
     * bind. One that exits instead (another program took the port after its pick) is started again
     * on another port, 3 times in all.
     */
    private static Server startServer() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.next();
            Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    DiscardServer.class.getName(), Integer.toString(port))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            if ("listening".equals(out.readLine())) {
                return new Server(server, port);
            }
            server.destroyForcibly().waitFor();
            if (attempt == 3) {
                throw new IllegalStateException("the benchmark server did not start (on 3 ports; its error is above)");
            }
        }
    }
}
