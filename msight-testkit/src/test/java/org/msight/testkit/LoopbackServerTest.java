package org.msight.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackServerTest {

    @Test
    void freePortsAreOutsideTheEphemeralRangeAndNeverHandedOutTwice() throws IOException {
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                .split("\\s+");
        int low = Integer.parseInt(range[0]);
        int high = Integer.parseInt(range[1]);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = FreePorts.next();
            assertThat(port < low || port > high).as("port %d outside %d-%d", port, low, high).isTrue();
            assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
        }
    }

    /**
     * Enough ports that the random pick meets ports of its own again (about three times in 400
     * picks of some 27,000), and a collection in between: each stays locked against other
     * processes, as another test JVM is.
     */
    @Test
    void everyPortHandedOutStaysReservedAgainstOtherProcesses() {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            files.add(Path.of(System.getProperty("java.io.tmpdir"), "msight-test-ports",
                    Integer.toString(FreePorts.next())).toString());
        }
        System.gc(); // a lock the JVM no longer refers to has its file closed by the collector's cleaner
        String tryLocks = "import fcntl, sys\n"
                + "free = 0\n"
                + "for name in sys.argv[1:]:\n"
                + "    with open(name, 'r+') as f:\n"
                + "        try:\n"
                + "            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                + "            free += 1\n"
                + "        except OSError:\n"
                + "            pass\n"
                + "print(free)\n";
        List<String> command = new ArrayList<>(List.of(Tools.require("/usr/bin/python3", "python3").toString(),
                "-c", tryLocks));
        command.addAll(files);
        Tools.Output output = Tools.run(new ProcessBuilder(command).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(output.exitCode()).as(output.text()).isZero();
        assertThat(output.text().strip()).as("ports another process could reserve").isEqualTo("0");
    }

    @Test
    void aServerWhosePortIsTakenBeforeItsFirstStartMovesToAnotherAndAnswersThere() throws IOException {
        try (RedisTestServer redis = new RedisTestServer();
                ServerSocket squatter = new ServerSocket(redis.port(), 50, InetAddress.getLoopbackAddress())) {
            redis.start();
            assertThat(redis.port()).isNotEqualTo(squatter.getLocalPort());
            assertThat(answer(redis.port(), "PING\r\n", 5)).isEqualTo("+PONG");
        }
    }

    @Test
    void aRestartedServerIsOnItsPortAgain() throws IOException {
        try (NatsTestServer nats = new NatsTestServer().start()) {
            int port = nats.port();
            nats.stop();
            nats.start();
            assertThat(nats.port()).isEqualTo(port);
            assertThat(answer(port, "", 4)).isEqualTo("INFO");
        }
    }

    /**
     * When the shell that started a build exits, the kernel continues (SIGHUP, then SIGCONT) every
     * stopped process of the build's process group, now orphaned: as this test's SIGCONT to its
     * own group does. A frozen server is out of that group's reach, so it stays frozen.
     */
    @Test
    void aFrozenServerStaysFrozenWhenJobControlContinuesTheTestsProcessGroup() throws IOException {
        try (RedisTestServer redis = new RedisTestServer().start()) {
            redis.freeze();
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String group = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2];
            Tools.Output sent = Tools.run(new ProcessBuilder(Tools.require("kill", "procps").toString(), "-CONT",
                    "--", "-" + group).redirectErrorStream(true), Waits.GENEROUS);
            assertThat(sent.exitCode()).as(sent.text()).isZero();
            assertThat(redis.frozen()).as("frozen after SIGCONT to process group %s", group).isTrue();
            redis.thaw();
            assertThat(answer(redis.port(), "PING\r\n", 5)).isEqualTo("+PONG");
        }
    }

    @Test
    void closeDeletesTheServersTemporaryFilesAndDataAndClosingAgainDoesNothing() {
        NatsTestServer nats = new NatsTestServer(true).start();
        RedisTestServer redis = new RedisTestServer().start();
        Path natsFolder = nats.log().getParent();
        assertThat(natsFolder.resolve("store")).as("JetStream's store").isDirectory();
        assertThat(redis.log()).exists();
        redis.close();
        nats.close();
        assertThat(natsFolder).doesNotExist();
        assertThat(redis.log()).doesNotExist();
        redis.close();
        assertThat(redis.running()).isFalse();
    }

    @Test
    void aFailedFirstStartDeletesTheServersFilesAndSaysWhatItsLogSaid() {
        NatsTestServer nats = new NatsTestServer(false, "authorization {");
        Path folder = nats.log().getParent();
        assertThatThrownBy(nats::start).hasMessageContaining("nats-server exited with code 1")
                .hasMessageContaining("Parse error");
        assertThat(folder).doesNotExist();
    }

    @Test
    void closeAllClosesWhatStartedSkippingNullsAndThrowsTheFirstFailureAfterClosingTheRest() {
        List<String> closed = new ArrayList<>();
        AutoCloseable failing = () -> {
            closed.add("failing");
            throw new IOException("cannot");
        };
        assertThatThrownBy(() -> Closeables.closeAll(null, failing, () -> closed.add("last"), null))
                .isInstanceOf(IllegalStateException.class).hasRootCauseMessage("cannot");
        assertThat(closed).containsExactly("failing", "last");
    }

    /** The first {@code count} bytes the server on {@code port} sends after {@code request}. */
    private static String answer(int port, String request, int count) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) Waits.GENEROUS.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readNBytes(count), StandardCharsets.US_ASCII);
        }
    }
}
