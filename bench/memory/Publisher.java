import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.codec.MsightCodec;
import redis.clients.jedis.Jedis;

/**
 * Publishes one JPEG as MSight ImageData (MessagePack, as the Redis bus carries it) to a Redis
 * channel at a steady rate, a fresh frame id and timestamp each time. Run from source by
 * bench/memory/run.sh: {@code java Publisher.java HOST PORT TOPIC FILE.jpg RATE SECONDS}.
 */
public final class Publisher {

    public static void main(String[] args) throws Exception {
        byte[] jpeg = Files.readAllBytes(Path.of(args[3]));
        double rate = Double.parseDouble(args[4]);
        long interval = (long) (1e9 / rate);
        long end = System.nanoTime() + (long) (Double.parseDouble(args[5]) * 1e9);
        MsightCodec codec = MsightCodec.withBuiltInTypes();
        byte[] channel = args[2].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long sent = 0;
        try (Jedis jedis = new Jedis(args[0], Integer.parseInt(args[1]))) {
            for (long next = System.nanoTime(); next < end; next += interval) {
                LockSupport.parkNanos(next - System.nanoTime());
                ImageData frame = ImageData.jpeg(Metadata.create("bench", "bench", Metadata.now()), jpeg, 720, 1280);
                jedis.publish(channel, codec.toMessagePack(frame));
                sent++;
            }
        }
        System.out.println("published " + sent);
    }
}
