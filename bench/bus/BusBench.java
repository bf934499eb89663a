import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.testkit.TestBusContext;

/**
 * One side of the bus benchmark (bench/bus/run.sh): a publisher or a subscriber process on one
 * bus, found by name with ServiceLoader as the runtime finds it. Messages are MSight ImageData of
 * 110 KB (the size of a 1080p camera JPEG), their capture timestamp the publishing instant (µs),
 * so the subscriber measures publish-to-subscriber latency on the same machine's clock.
 *
 * <pre>
 * BusBench publish   BUS "SETTINGS" TOPIC RATE|max SECONDS DIR
 * BusBench subscribe BUS "SETTINGS" TOPIC DIR
 * BusBench both      BUS "SETTINGS" TOPIC RATE|max SECONDS DIR      (in one process: the memory bus)
 * </pre>
 * Warm-up messages (sequence -1) flow until the subscriber has received one (file DIR/ready),
 * {@value #READY_MINUTES} minutes at most; then the publisher measures for SECONDS and writes
 * DIR/published; the subscriber ends when it has them all or 10 s after (5 minutes at most when no
 * count comes). Each side prints one line: its messages and CPU ms per message over the measured
 * window; the subscriber adds messages/s and latency p50/p99.
 */
public final class BusBench {

    private static final int SIZE = 110 * 1024;
    /** How long the publisher's warm-up waits for the subscriber's first message (a JVM start, a group join). */
    static final int READY_MINUTES = 3;

    public static void main(String[] args) {
        try {
            run(args);
        } catch (TimeoutException e) {
            System.out.println("bus bench " + args[0] + " on " + args[1] + ": " + e.getMessage());
            System.exit(1);
        } catch (Throwable e) { // the other side must not wait for a count file that never comes
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        String mode = args[0];
        String busName = args[1];
        TestBusContext context = TestBusContext.of(busName, args[2]);
        String topic = args[3];
        Path dir = Path.of(args[args.length - 1]);
        Bus bus = provider(busName).create(context);
        Subscriber subscriber = null;
        if (!mode.equals("publish")) {
            subscriber = new Subscriber(dir);
            bus.subscribe(new Subscription(topic, "bench", Optional.empty(), subscriber));
        }
        bus.start();
        if (mode.equals("subscribe")) {
            subscriber.awaitAll();
        } else {
            String rate = args[4];
            publish(bus, topic, rate.equals("max") ? 0 : Integer.parseInt(rate), Integer.parseInt(args[5]), dir);
            if (subscriber != null) {
                subscriber.awaitAll();
            }
        }
        bus.close();
    }

    private static BusProvider provider(String name) {
        for (BusProvider provider : ServiceLoader.load(BusProvider.class)) {
            if (provider.name().equals(name)) {
                return provider;
            }
        }
        throw new IllegalArgumentException("no bus provider named " + name + " on the class path");
    }

    private static ImageData message(long sequence, byte[] image) {
        ByteBuffer.wrap(image).putLong(0, sequence);
        Instant now = Instant.now();
        double timestamp = now.getEpochSecond() + now.getNano() / 1e9;
        return ImageData.jpeg(Metadata.create("bench", "bench", timestamp), image.clone(), 1080, 1920);
    }

    private static void publish(Bus bus, String topic, int rate, int seconds, Path dir) throws Exception {
        byte[] image = new byte[SIZE];
        long readyBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(READY_MINUTES);
        while (!Files.exists(dir.resolve("ready"))) {
            if (System.nanoTime() > readyBy) {
                throw new TimeoutException("no warm-up message reached the subscriber within " + READY_MINUTES
                        + " minutes (it wrote no " + dir.resolve("ready") + "): not measured");
            }
            bus.publish(topic, message(-1, image));
            Thread.sleep(100);
        }
        long cpu0 = cpu();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        int published = 0;
        int refused = 0;
        for (long n = 0; System.nanoTime() < end; n++) {
            if (rate > 0) {
                long due = start + n * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            if (bus.publish(topic, message(published, image))) {
                published++;
            } else {
                refused++;
            }
        }
        long cpuMillis = (cpu() - cpu0) / 1_000_000;
        Path written = Files.writeString(dir.resolve("published.tmp"), String.valueOf(published));
        Files.move(written, dir.resolve("published"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.printf(Locale.ROOT, "publisher published %d refused %d in %.1f s: %.1f/s, CPU %.3f ms/message%n",
                published, refused, (System.nanoTime() - start) / 1e9, published * 1e9 / (System.nanoTime() - start),
                cpuMillis / (double) Math.max(1, published));
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Measures each measured message's latency; decodes it, as a node would. */
    private static final class Subscriber implements Receiver {

        private final Path dir;
        private final List<Double> latencies = new ArrayList<>();
        private final AtomicInteger received = new AtomicInteger();
        private long cpu0;
        private long first;
        private long last;

        Subscriber(Path dir) {
            this.dir = dir;
        }

        @Override
        public synchronized void deliver(Delivery delivery) {
            Instant now = Instant.now();
            ImageData data = (ImageData) delivery.data();
            delivery.done();
            long sequence = ByteBuffer.wrap(data.image()).getLong(0);
            if (sequence < 0) {
                try {
                    Files.writeString(dir.resolve("ready"), "");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return;
            }
            if (latencies.isEmpty()) {
                cpu0 = cpu();
                first = System.nanoTime();
            }
            last = System.nanoTime();
            latencies.add(now.getEpochSecond() + now.getNano() / 1e9 - data.metadata().captureTimestamp());
            received.incrementAndGet();
        }

        @Override
        public int remainingCapacity() {
            return Integer.MAX_VALUE;
        }

        @Override
        public void countMalformed() {
        }

        void awaitAll() throws Exception {
            Path published = dir.resolve("published");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5); // the publisher never wrote its count
            while (System.nanoTime() < deadline) {
                if (Files.exists(published)) {
                    deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                    if (received.get() >= Integer.parseInt(Files.readString(published).trim())) {
                        break;
                    }
                }
                Thread.sleep(20);
            }
            report();
        }

        private synchronized void report() {
            double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            long cpuMillis = (cpu() - cpu0) / 1_000_000;
            double seconds = Math.max(1e-9, (last - first) / 1e9);
            System.out.printf(Locale.ROOT, "subscriber received %d: %.1f/s, latency p50 %.2f ms p99 %.2f ms,"
                    + " CPU %.3f ms/message%n", n, n / seconds, percentile(sorted, 0.50) * 1e3,
                    percentile(sorted, 0.99) * 1e3, cpuMillis / (double) Math.max(1, n));
        }

        private static double percentile(double[] sorted, double p) {
            return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
        }
    }

    private BusBench() {
    }
}
