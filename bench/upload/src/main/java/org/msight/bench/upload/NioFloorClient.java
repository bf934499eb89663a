package org.msight.bench.upload;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.msight.api.data.SensorData;
import org.msight.api.data.MsightFormats;

/**
 * The least a Java client does per upload, to show where the http-uploader's cost above wrk's
 * comes from: wrk's loop on NIO (keep-alive connections on one selector thread, a request's head
 * and body in one gathering write, each answer read just far enough to know it is whole), but
 * making every request's MSight JSON body anew into a direct buffer, as the uploader does. With
 * a hand-off, bodies are made on a second thread and passed to the selector thread, as the
 * runtime's node thread passes each message to the sink's I/O thread: what that hand-off costs.
 */
final class NioFloorClient {

    private final MsightFormats formats;
    private final SensorData frame;
    private final boolean handOff;
    private final List<Connection> connections = new ArrayList<>();
    private final Selector selector;
    /** Hand-off only: connections with no request under way, and those with a request made, to send. */
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Connection> made = new ConcurrentLinkedQueue<>();
    private final Semaphore slots;
    private long answered;

    private NioFloorClient(InetSocketAddress server, int concurrency, MsightFormats formats, SensorData frame,
            boolean handOff) throws IOException {
        this.formats = formats;
        this.frame = frame;
        this.handOff = handOff;
        this.slots = new Semaphore(concurrency);
        this.selector = Selector.open();
        long length = formats.jsonLength(frame);
        byte[] head = ("POST /upload?partition_key=bench_sensor0 HTTP/1.1\r\nHost: 127.0.0.1:" + server.getPort()
                + "\r\nContent-Type: application/json\r\nX-Partition-Key: bench_sensor0\r\nContent-Length: " + length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < concurrency; i++) {
            SocketChannel channel = SocketChannel.open(server);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.configureBlocking(false);
            Connection connection = new Connection(channel, head, (int) length);
            channel.register(selector, SelectionKey.OP_READ, connection);
            connections.add(connection);
        }
        if (handOff) {
            idle.addAll(connections);
        }
    }

    /**
     * Uploads {@code frame} to {@code server} on loopback {@code port} over {@code concurrency}
     * connections for {@code warmup}, then for {@code measure}: the rate, this process's CPU and
     * the server's per upload (no latencies).
     */
    static UploadBench.Figures run(int port, int concurrency, MsightFormats formats, SensorData frame, boolean handOff,
            Duration warmup, Duration measure, Process server) throws Exception {
        NioFloorClient client = new NioFloorClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                concurrency, formats, frame, handOff);
        try {
            return client.upload(warmup, measure, server);
        } finally {
            client.close();
        }
    }

    private UploadBench.Figures upload(Duration warmup, Duration measure, Process server) throws Exception {
        Thread maker = null;
        if (handOff) {
            maker = new Thread(this::makeWhileSlotsFree, "floor-maker");
            maker.setDaemon(true);
            maker.start();
        } else {
            for (Connection connection : connections) {
                connection.make();
                send(connection);
            }
        }
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long end = measureFrom + measure.toNanos();
        long answeredBefore = -1;
        long cpuBefore = 0;
        long serverCpuBefore = 0;
        try {
            for (long now; (now = System.nanoTime()) < end; ) {
                if (answeredBefore < 0 && now >= measureFrom) {
                    answeredBefore = answered;
                    cpuBefore = os.getProcessCpuTime();
                    serverCpuBefore = UploadBench.cpuNanos(server);
                }
                selector.select(100);
                for (Connection connection; (connection = made.poll()) != null; ) {
                    send(connection);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection connection = (Connection) key.attachment();
                    if (connection.sending()) {
                        send(connection);
                    } else if (connection.readAnswer()) {
                        answered(connection);
                    }
                }
                selector.selectedKeys().clear();
            }
        } finally {
            if (maker != null) {
                maker.interrupt();
                maker.join();
            }
        }
        long cpu = os.getProcessCpuTime() - cpuBefore;
        long serverCpu = UploadBench.cpuNanos(server) - serverCpuBefore;
        long count = answered - answeredBefore;
        return new UploadBench.Figures(count * 1e9 / measure.toNanos(), Double.NaN, Double.NaN, cpu / 1e3 / count,
                serverCpu / 1e3 / count);
    }

    private void answered(Connection connection) throws IOException {
        answered++;
        if (handOff) {
            idle.add(connection);
            slots.release();
        } else {
            connection.make();
            send(connection);
        }
    }

    /** Hand-off: the maker thread's loop, a request made for each free slot. */
    private void makeWhileSlotsFree() {
        try {
            while (true) {
                slots.acquire();
                Connection connection = idle.poll();
                connection.make();
                made.add(connection);
                selector.wakeup();
            }
        } catch (InterruptedException e) {
            // measured
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void send(Connection connection) throws IOException {
        SelectionKey key = connection.channel.keyFor(selector);
        key.interestOps(connection.write() ? SelectionKey.OP_READ : SelectionKey.OP_WRITE);
    }

    private void close() throws IOException {
        for (Connection connection : connections) {
            connection.channel.close();
        }
        selector.close();
    }

    /** One keep-alive connection: its request, made into direct buffers, and its answer so far. */
    private final class Connection extends OutputStream {
        final SocketChannel channel;
        private final ByteBuffer head;
        private final ByteBuffer body;
        private final ByteBuffer[] request;
        private final ByteBuffer answer = ByteBuffer.allocate(4096);

        Connection(SocketChannel channel, byte[] head, int bodyLength) {
            this.channel = channel;
            this.head = ByteBuffer.allocateDirect(head.length).put(head);
            this.body = ByteBuffer.allocateDirect(bodyLength);
            this.request = new ByteBuffer[] {this.head, body};
        }

        /** Makes the next request: the same head, the body written anew. */
        void make() throws IOException {
            head.rewind();
            body.clear();
            formats.writeJson(frame, this);
            body.flip();
        }

        boolean sending() {
            return body.hasRemaining();
        }

        /** Writes what the socket takes; whether the whole request is sent. */
        boolean write() throws IOException {
            channel.write(request);
            return !body.hasRemaining();
        }

        /** Reads what came; whether a whole answer (head and Content-Length bytes) is in. */
        boolean readAnswer() throws IOException {
            if (channel.read(answer) < 0) {
                throw new IOException("the server closed a connection");
            }
            int end = headEnd();
            if (end < 0) {
                return false;
            }
            String answerHead = new String(answer.array(), 0, end, StandardCharsets.US_ASCII);
            if (!answerHead.startsWith("HTTP/1.1 200 ")) {
                throw new IOException("the server answered " + answerHead.lines().findFirst().orElse(""));
            }
            if (answer.position() < end + contentLength(answerHead)) {
                return false;
            }
            answer.clear();
            return true;
        }

        private int headEnd() {
            for (int i = 3; i < answer.position(); i++) {
                if (answer.get(i) == '\n' && answer.get(i - 1) == '\r' && answer.get(i - 2) == '\n'
                        && answer.get(i - 3) == '\r') {
                    return i + 1;
                }
            }
            return -1;
        }

        private int contentLength(String answerHead) {
            String lower = answerHead.toLowerCase(Locale.ROOT);
            int at = lower.indexOf("content-length:");
            return Integer.parseInt(lower.substring(at + "content-length:".length(), lower.indexOf('\r', at)).trim());
        }

        @Override
        public void write(int b) {
            body.put((byte) b);
        }

        @Override
        public void write(byte[] bytes, int offset, int count) {
            body.put(bytes, offset, count);
        }
    }
}
