package org.msight.plugins.httpuploader;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.msight.api.DaemonThreads;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * The uploader while DNS stops answering, run by {@link SilentDnsTest} in a JVM whose
 * {@code /etc/resolv.conf} is the file given, bound over the box's, and whose JVM keeps no lookups
 * (as once its 30 s cache ran out). It starts a DNS server on a free loopback address and names it
 * in that file, then prints what happened, one fact a line.
 */
final class SilentDnsRun {

    private SilentDnsRun() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeDns dns = new FakeDns(Path.of(args[0])); RecordingServer server = RecordingServer.http()) {
            RecordingLogger log = new RecordingLogger("uploader");
            TestNodeContext known = context(server, "collector.test", log);
            try (Uploading uploader = Uploading.open(known)) {
                uploader.put(Frames.next("cam"));
                await(() -> known.count("uploads") == 1);
                dns.answering = false;
                server.stop(); // drops the kept-alive connection: the next upload connects, so looks its host up
                server.start();
                uploader.put(Frames.next("cam"));
                await(() -> known.count("uploads") + known.count("failed") == 2);
                System.out.println("uploads after DNS went silent: " + known.count("uploads"));
            }
            TestNodeContext neverResolved = context(server, "other.test", log);
            try (Uploading uploader = Uploading.open(neverResolved)) {
                uploader.put(Frames.next("cam"));
                await(() -> neverResolved.count("retries") > 0);
                dns.answering = true;
                await(() -> neverResolved.count("uploads") == 1);
                System.out.println("uploads once DNS answered again: " + neverResolved.count("uploads"));
            }
            log.messages(Level.WARN).forEach(line -> System.out.println("WARN " + line));
        }
        System.exit(0); // after the lines above, whatever daemon thread a lookup still holds
    }

    private static TestNodeContext context(RecordingServer server, String host, RecordingLogger log) {
        return TestNodeContext.of("http-uploader", "url = \"" + server.url("/up").replace("127.0.0.1", host)
                + "\", connect-timeout = 1s, retries = 20, retry-backoff { initial = 100ms, max = 200ms }")
                .withLogger(log);
    }

    private static void await(Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(Waits.GENEROUS).until(condition);
        } catch (ConditionTimeoutException e) {
            System.out.println("timed out: " + e.getMessage());
        }
    }

    /**
     * A DNS server on UDP port 53 of a loopback address that answers every name with 127.0.0.1
     * (and no IPv6 address) while {@link #answering}, and otherwise reads queries and never answers.
     */
    private static final class FakeDns implements AutoCloseable {
        volatile boolean answering = true;
        private final DatagramSocket socket;

        /**
         * On the first of 127.0.53.100 to 127.0.53.199 whose port 53 is free (not a local
         * resolver's, nor another test run's at the same time), named in {@code resolvConf}.
         */
        FakeDns(Path resolvConf) throws Exception {
            socket = freeSocket();
            Files.writeString(resolvConf, "nameserver " + socket.getLocalAddress().getHostAddress() + "\n");
            DaemonThreads.start("fake-dns", this::serve);
        }

        private static DatagramSocket freeSocket() throws Exception {
            for (int last = 100; last < 200; last++) {
                try {
                    return new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.53." + last), 53));
                } catch (SocketException taken) {
                    // the next one
                }
            }
            throw new IllegalStateException("no free UDP port 53 on 127.0.53.100 to 127.0.53.199");
        }

        private void serve() {
            byte[] buffer = new byte[512];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                    socket.receive(query);
                    if (answering) {
                        byte[] answer = answer(Arrays.copyOf(buffer, query.getLength()));
                        socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
                    }
                } catch (Exception e) {
                    return; // closed
                }
            }
        }

        /** The query's id and question, with one A record 127.0.0.1 for an A query, none for another type. */
        private static byte[] answer(byte[] query) {
            int questionEnd = 12;
            while (query[questionEnd] != 0) {
                questionEnd += query[questionEnd] + 1;
            }
            questionEnd += 5; // the root label, type and class
            boolean typeA = query[questionEnd - 4] == 0 && query[questionEnd - 3] == 1;
            ByteBuffer answer = ByteBuffer.allocate(questionEnd + 16);
            answer.put(query, 0, 2).putShort((short) 0x8180) // a response, recursion available, no error
                    .putShort((short) 1).putShort((short) (typeA ? 1 : 0)).putShort((short) 0).putShort((short) 0)
                    .put(query, 12, questionEnd - 12);
            if (typeA) { // the name at offset 12, type A, class IN, TTL 0, 4 bytes
                answer.putShort((short) 0xC00C).putShort((short) 1).putShort((short) 1).putInt(0).putShort((short) 4)
                        .put(new byte[] {127, 0, 0, 1});
            }
            return Arrays.copyOf(answer.array(), answer.position());
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
