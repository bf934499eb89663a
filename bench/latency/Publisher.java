import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.codec.MsightCodec;
import redis.clients.jedis.Jedis;

/**
 * The publisher of the upload latency benchmark (bench/latency/run.sh), run with
 * {@code java -cp 'target/msight/lib/*' Publisher.java PORT TOPIC RATE SECONDS [WARMUP]}:
 * publishes a 110 KB JPEG-sized ImageData to a Redis channel RATE times a second, evenly
 * spaced, each with its capture time set just before the PUBLISH, so the server's latency is
 * Redis publish to the server holding the whole body. For WARMUP seconds first (default 3) it
 * publishes the same way to a channel nobody reads, so that its own JVM's start-up and JIT
 * compilation, on the same cores as the uploader, are over before a measured message leaves.
 */
public final class Publisher {

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        byte[] topic = args[1].getBytes();
        int rate = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        long warmup = args.length > 4 ? Long.parseLong(args[4]) : 3;
        byte[] jpeg = new byte[110_000];
        new Random(1).nextBytes(jpeg);
        MsightCodec codec = MsightCodec.withBuiltInTypes();
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        try (Jedis redis = new Jedis("127.0.0.1", port)) {
            publish(redis, (args[1] + ".warmup").getBytes(), jpeg, codec, period, warmup);
            publish(redis, topic, jpeg, codec, period, seconds);
        }
    }

    private static void publish(Jedis redis, byte[] topic, byte[] jpeg, MsightCodec codec, long period, long seconds) {
        long next = System.nanoTime();
        long end = next + TimeUnit.SECONDS.toNanos(seconds);
        while (next < end) {
            LockSupport.parkNanos(next - System.nanoTime());
            double now = Metadata.now();
            ImageData frame = ImageData.jpeg(Metadata.create("bench_sensor", "bench", now), jpeg, 720, 1280);
            redis.publish(topic, codec.toMessagePack(frame));
            next += period;
        }
    }
}
