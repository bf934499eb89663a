package org.msight.plugins.kafkabus;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.utils.Utils;
import org.msight.api.Backoff;
import org.msight.api.Setting;

/**
 * Asks each bootstrap server, over a plain socket and before any Kafka client connects, what a
 * Kafka client asks first (ApiVersions), and bounds the answer's size before reading it. Kafka's
 * clients read the first 4 bytes of any answer as its size and allocate that much, without a
 * bound (KAFKA-4090): "HTTP" is 1.2 GB, Redis's "-ERR" 760 MB, a TLS alert 350 MB. On the
 * launchers' 256 MB heap that kills the client's thread (OutOfMemoryError) and the start fails as
 * "does not answer"; on a larger heap the client takes the memory and waits for the bytes.
 */
final class BrokerProbe {

    /** ApiVersions, in its version 0: every broker answers it, before any SASL login. */
    private static final short API_VERSIONS = 18;
    private static final int CORRELATION_ID = 0x6d736774;
    /** A broker's answer is about 6 bytes for each of its 90 or so APIs: 64 KiB is far above any. */
    private static final int MAX_ANSWER = 64 * 1024;
    /**
     * The longest wait for one address's connection and answer in a round, so that one that never
     * answers holds up no other.
     */
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(5);

    /** What a server said to the request; {@code NOT_KAFKA} and {@code CLOSES} are what no broker says. */
    private enum Answer {
        BROKER(""), SILENT(""), NOT_KAFKA("it answers with something else"),
        CLOSES("it closes the connection at a Kafka request");

        final String detail;

        Answer(String detail) {
            this.detail = detail;
        }
    }

    /**
     * A bootstrap server as msight.kafka.servers writes it, and each of its addresses: a name may
     * have several (round-robin DNS), and Kafka's clients try them all ({@code client.dns.lookup =
     * use_all_dns_ips}).
     */
    private record Server(String written, List<InetSocketAddress> addresses) {
    }

    /** Every address of a host name ({@link InetAddress#getAllByName}); tests give their own. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    private BrokerProbe() {
    }

    /**
     * Returns once a server answers as a broker, each asked once a round, rounds retried with
     * backoff (brokers starting with the machine) until {@code deadline} ({@code connect-timeout}
     * from the start of the check): no round starts after it, and a connection's waits end at it,
     * so a round under way when it passes asks its remaining addresses a millisecond each. Servers
     * without a port, with one out of range, or whose names do not resolve are left out: the Kafka
     * clients refuse those, in words of their own.
     *
     * @throws IllegalStateException at once when a server answers as no broker does; after a round
     *     in which none answered as a broker and one closed the connection at the request (a
     *     client that meets such a server only loses the connection, so another answering as a
     *     broker, at another address of a round-robin name say, lets the start go on); when no
     *     server answered as a broker by {@code deadline}
     */
    static void awaitBroker(KafkaSettings settings, String clientId, Deadline deadline) {
        awaitBroker(settings, clientId, deadline, InetAddress::getAllByName);
    }

    /** As {@link #awaitBroker(KafkaSettings, String, Deadline)}, with host names resolved by {@code resolver}. */
    static void awaitBroker(KafkaSettings settings, String clientId, Deadline deadline, Resolver resolver) {
        List<Server> servers = settings.servers().stream().map(server -> server(server, resolver))
                .flatMap(Optional::stream).toList();
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        while (!servers.isEmpty()) {
            boolean broker = false;
            String silent = null; // why the start fails if no server answers in time
            String closes = null; // why it fails after this round if no server answers as a broker
            IOException unreachable = null;
            for (Server server : servers) {
                for (InetSocketAddress address : server.addresses()) {
                    try {
                        Answer answer = ask(address, clientId, deadline.within(ANSWER_WAIT));
                        broker |= answer == Answer.BROKER;
                        if (answer == Answer.SILENT) {
                            silent = Failures.notABroker(server.written(), "it takes connections but answers no"
                                    + " Kafka request within " + Setting.written(settings.connectTimeout()));
                        } else if (answer == Answer.CLOSES) {
                            closes = Failures.notABroker(server.written(), answer.detail);
                        } else if (answer == Answer.NOT_KAFKA) { // a Kafka client would take it for a size to allocate
                            throw new IllegalStateException(Failures.notABroker(server.written(), answer.detail));
                        }
                    } catch (IOException e) {
                        unreachable = e;
                    }
                }
            }
            if (broker) {
                return;
            }
            if (closes != null) {
                throw new IllegalStateException(closes);
            }
            if (!backoff.pause(deadline.left()) || deadline.left().isZero()) { // no round starts after the deadline
                throw new IllegalStateException(silent != null ? silent : Failures.unreachable(settings, unreachable));
            }
        }
    }

    /**
     * {@code server} with its addresses, unless it has no port, one out of range, or a name that
     * does not resolve.
     */
    private static Optional<Server> server(String server, Resolver resolver) {
        try {
            Integer port = Utils.getPort(server); // null without one; then Utils.getHost(server) is null too
            if (port == null || port < 0 || port > 65535) {
                return Optional.empty();
            }
            return Optional.of(new Server(server, Arrays.stream(resolver.addresses(Utils.getHost(server)))
                    .map(address -> new InetSocketAddress(address, port)).toList()));
        } catch (IllegalArgumentException | UnknownHostException e) { // a port too long for an int; an unknown name
            return Optional.empty();
        }
    }

    /**
     * What {@code server} answers by {@code deadline}: its connection and its answer each wait what
     * is left, a millisecond at least (a socket's timeout of 0 waits for ever).
     *
     * @throws IOException when the server cannot be connected to
     */
    private static Answer ask(InetSocketAddress server, String clientId, Deadline deadline) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, timeoutMillis(deadline));
            socket.setSoTimeout(timeoutMillis(deadline));
            socket.getOutputStream().write(request(clientId));
            DataInputStream answer = new DataInputStream(socket.getInputStream());
            try {
                int size = answer.readInt();
                return size >= 4 && size <= MAX_ANSWER && answer.readInt() == CORRELATION_ID ? Answer.BROKER
                        : Answer.NOT_KAFKA;
            } catch (EOFException e) {
                return Answer.CLOSES;
            } catch (SocketTimeoutException e) {
                return Answer.SILENT;
            }
        }
    }

    private static int timeoutMillis(Deadline deadline) {
        return (int) Math.max(1, deadline.left().toMillis());
    }

    /** An ApiVersions request, version 0: its size, then header version 1 (key, version, correlation id, client id). */
    private static byte[] request(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        int size = 2 + 2 + 4 + 2 + id.length;
        return ByteBuffer.allocate(4 + size).putInt(size).putShort(API_VERSIONS).putShort((short) 0)
                .putInt(CORRELATION_ID).putShort((short) id.length).put(id).array();
    }

}
