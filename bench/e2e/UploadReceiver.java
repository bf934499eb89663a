import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Executors;

/**
 * The HTTP server of the end-to-end benchmark (bench/e2e/run.sh), run with {@code java UploadReceiver.java}.
 * Each POST is read to its last byte (into a reused buffer), then its latency is recorded: now minus the body's
 * {@code capture_timestamp} (both POSIX wall-clock time, same machine), and it is answered 200 at once.
 * {@code GET /mark} starts a new measurement window; {@code GET /stats} prints the window's
 * {@code uploads seconds p50_ms p99_ms max_ms malformed mean_body_KB}. Binds 127.0.0.1 on a free port and
 * prints the port as its first line.
 */
public final class UploadReceiver {

    private static final byte[] KEY = "\"capture_timestamp\"".getBytes(StandardCharsets.US_ASCII);
    /** The part of a body searched for the timestamp (MSight's JSON has it near the start). */
    private static final int HEAD = 4096;
    /** Each server thread reads bodies into its own buffer: no garbage per upload. */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[HEAD + (1 << 16)]);
    private static final byte[] OK = "{\"status_code\": \"ok\"}".getBytes(StandardCharsets.US_ASCII);

    private double[] latencies = new double[1 << 16];
    private int count;
    private int malformed;
    private long bodyBytes;
    private long windowStart = System.nanoTime();

    public static void main(String[] args) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        UploadReceiver receiver = new UploadReceiver();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", receiver::handle);
        server.start();
        System.out.println(server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if ("GET".equals(exchange.getRequestMethod())) {
                byte[] answer = ("/mark".equals(path) ? mark() : stats()).getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                return;
            }
            byte[] buffer = BUFFER.get();
            int head;
            long length;
            try (InputStream in = exchange.getRequestBody()) {
                head = in.readNBytes(buffer, 0, HEAD);
                length = head;
                for (int n; (n = in.read(buffer, HEAD, buffer.length - HEAD)) >= 0; ) {
                    length += n; // the rest of the body (the image) is counted and dropped
                }
            }
            Instant received = Instant.now();
            record(received.getEpochSecond() + received.getNano() / 1e9, buffer, head, length);
            exchange.sendResponseHeaders(200, OK.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(OK);
            }
        }
    }

    private void record(double receivedSeconds, byte[] head, int headLength, long bodyLength) {
        double captured = captureTimestamp(head, headLength);
        synchronized (this) {
            bodyBytes += bodyLength;
            if (Double.isNaN(captured)) {
                malformed++;
                return;
            }
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = (receivedSeconds - captured) * 1000;
        }
    }

    /** The number after {@code "capture_timestamp":} in the first length bytes, or NaN. */
    private static double captureTimestamp(byte[] body, int length) {
        for (int i = 0; i + KEY.length <= length; i++) {
            if (Arrays.equals(body, i, i + KEY.length, KEY, 0, KEY.length)) {
                int start = i + KEY.length;
                while (start < length && (body[start] == ':' || body[start] == ' ')) {
                    start++;
                }
                int end = start;
                while (end < length && "0123456789.eE+-".indexOf(body[end]) >= 0) {
                    end++;
                }
                try {
                    return Double.parseDouble(new String(body, start, end - start, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }

    private synchronized String mark() {
        count = 0;
        malformed = 0;
        bodyBytes = 0;
        windowStart = System.nanoTime();
        return "marked\n";
    }

    private synchronized String stats() {
        double seconds = (System.nanoTime() - windowStart) / 1e9;
        double[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%d %.3f %.2f %.2f %.2f %d %.0f%n", count, seconds, quantile(sorted, 0.50),
                quantile(sorted, 0.99), count == 0 ? Double.NaN : sorted[count - 1], malformed,
                bodyBytes / 1024.0 / Math.max(1, count + malformed));
    }

    /** Nearest-rank quantile of sorted values. */
    private static double quantile(double[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.ceil(q * sorted.length) - 1];
    }
}
