package org.msight.plugins.rtspreceiver;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.awaitility.Awaitility;
import org.msight.api.DaemonThreads;
import org.msight.api.RetriableException;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;

/**
 * A camera given by host name while DNS does not answer, run by {@link SilentDnsTest} in a JVM
 * whose {@code /etc/resolv.conf} is the file given, bound over the box's. It takes port 53 of a
 * free loopback address and never answers there, names it in that file, then prints what
 * happened, one fact a line.
 */
final class SilentDnsRun {

    private SilentDnsRun() {
    }

    public static void main(String[] args) throws Exception {
        try (DatagramSocket silentDns = silentDns(Path.of(args[0]))) {
            RtspReceiverNode camera = camera("cam.test", "1s");
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    camera.open();
                    System.out.println("opened");
                } catch (RetriableException e) {
                    System.out.println("attempt " + attempt + ": " + e.getMessage());
                }
            }
            System.out.println("lookups under way after 3 attempts: " + lookupsUnderWay());

            // another host: the JVM has a second lookup of the same name wait for the first
            RtspReceiverNode patient = camera("other-cam.test", "10m");
            Thread opening = DaemonThreads.start("opening", () -> {
                try {
                    patient.open();
                } catch (Exception e) {
                    System.out.println("stopped: " + e.getMessage());
                }
            });
            Awaitility.await().atMost(Waits.GENEROUS).until(() -> lookupsUnderWay() == 2);
            patient.wakeup();
            opening.join(Waits.GENEROUS.toMillis());
            System.out.println("stopped while looking up: " + !opening.isAlive());
        }
        System.exit(0); // whatever daemon thread a lookup still holds
    }

    private static RtspReceiverNode camera(String host, String connectTimeout) {
        TestNodeContext context = TestNodeContext.of("rtsp-receiver",
                "url = \"rtsp://admin:s3cret@" + host + ":554/live\", connect-timeout = " + connectTimeout);
        return new RtspReceiverNode(context, ReceiverSettings.from(context.config()));
    }

    /** Lookup threads in the system's resolver, not idle in their pool. */
    private static long lookupsUnderWay() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("rtsp-dns") && thread.getState() == Thread.State.RUNNABLE)
                .count();
    }

    /**
     * Port 53 of the first of 127.0.53.100 to 127.0.53.199 where it is free, named in
     * {@code resolvConf} with the resolver's longest wait: 30 s, five times.
     */
    private static DatagramSocket silentDns(Path resolvConf) throws Exception {
        for (int last = 100; last < 200; last++) {
            try {
                InetAddress address = InetAddress.getByName("127.0.53." + last);
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 53));
                Files.writeString(resolvConf, "nameserver " + socket.getLocalAddress().getHostAddress()
                        + "\noptions timeout:30 attempts:5\n");
                return socket;
            } catch (SocketException taken) {
                // the next one
            }
        }
        throw new IllegalStateException("no free UDP port 53 on 127.0.53.100 to 127.0.53.199");
    }
}
