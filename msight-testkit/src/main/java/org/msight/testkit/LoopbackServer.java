package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A server process of a test's own on free loopback ports ({@link FreePorts}), the same across
 * restarts: started from a command line and ready once it listens on all its ports itself (not
 * another process in its place) and answers on the first; stopped politely or as a crash. A
 * first start whose process exits, as when a port was taken between its pick and the server's
 * bind, is tried again on new ports. What the redis, nats, kafka and rtsp test servers share.
 *
 * <p>Each server runs in a session of its own ({@code setsid}), out of reach of job control: when
 * the shell that started the build exits (a run started with {@code &} or {@code nohup}), the
 * kernel continues every stopped process of the build's now orphaned process group (SIGHUP, then
 * SIGCONT), which thawed a server a test had frozen. Servers still running when the JVM exits
 * (a Ctrl-C, which no longer reaches them) are killed by a shutdown hook; a JVM killed with
 * SIGKILL runs no hook and leaves them running (a later server that picks one of their ports
 * moves to another at its first start).
 */
abstract class LoopbackServer implements AutoCloseable {

    private static final int FIRST_START_ATTEMPTS = 3;
    /** The server processes of this JVM that have not been ended, for the shutdown hook. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "test-servers-kill"));
    }

    private final String name;
    private final Path log;
    private final Path scratch;
    private final boolean stopPolitely;
    private final Duration startTimeout;
    private final int[] ports;
    private boolean startedBefore;
    private long logLengthAtLaunch;
    private int lastExitCode;
    private Process process;

    /**
     * @param name the server's program, for messages
     * @param log where its output goes (appended across restarts)
     * @param scratch the temporary file or folder the server owns (its log, or a folder holding
     *     the log and its data), deleted by {@link #close()}
     * @param stopPolitely SIGTERM then SIGKILL after 5 s, or SIGKILL at once (a crash)
     * @param startTimeout how long a start may take on a loaded machine
     * @param portCount how many ports the server listens on, the first the one it answers on
     */
    LoopbackServer(String name, Path log, Path scratch, boolean stopPolitely, Duration startTimeout, int portCount) {
        this.name = name;
        this.log = log;
        this.scratch = scratch;
        this.stopPolitely = stopPolitely;
        this.startTimeout = startTimeout;
        this.ports = new int[portCount];
        Arrays.setAll(ports, i -> FreePorts.next());
    }

    /** The command line that starts the server on its ports, after writing any file it reads. */
    abstract List<String> command();

    /** Whether the server on the other end of {@code socket} (just connected to {@link #port()}) is ready. */
    abstract boolean answers(Socket socket) throws IOException;

    /**
     * Starts the server and waits until it is ready; again after {@link #stop()}, on the same ports.
     * A first start that fails deletes the server's temporary files, as {@link #close()} does: a
     * caller of {@code new ...().start()} has no server to close, and the exception holds the log's text.
     */
    synchronized void launch() {
        if (process != null) {
            throw new IllegalStateException(name + " already runs on port " + port());
        }
        try {
            for (int attempt = 1; !tryLaunch(); attempt++) {
                if (startedBefore || attempt == FIRST_START_ATTEMPTS) {
                    throw new IllegalStateException(name + " exited with code " + lastExitCode + " on port(s) "
                            + Arrays.toString(ports) + ": " + ServerProcesses.logText(log));
                }
                Arrays.setAll(ports, i -> FreePorts.next()); // one may have been taken since it was picked
            }
        } catch (RuntimeException e) {
            if (!startedBefore) {
                ServerProcesses.delete(scratch);
            }
            throw e;
        }
        startedBefore = true;
    }

    /** True once ready; false when the process exited; throws when it is not ready within the start timeout. */
    private boolean tryLaunch() {
        // setsid forks only when started as a process group leader, which a child of this JVM is
        // not: it execs the server, whose pid is the process's
        List<String> command = new ArrayList<>(List.of(Tools.require("setsid", "util-linux").toString()));
        command.addAll(command());
        try {
            logLengthAtLaunch = Files.exists(log) ? Files.size(log) : 0;
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            RUNNING.add(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                lastExitCode = process.exitValue();
                RUNNING.remove(process);
                process = null;
                return false;
            }
            if (Arrays.stream(ports).allMatch(port -> ServerProcesses.listensOn(process, port)) && answers()) {
                return true;
            }
            ServerProcesses.pause(name);
        }
        kill();
        throw new IllegalStateException(name + " was not ready on port(s) " + Arrays.toString(ports) + " within "
                + startTimeout.toSeconds() + " s: " + ServerProcesses.logText(log));
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 1000);
            socket.setSoTimeout(1000);
            return answers(socket);
        } catch (IOException notYet) {
            return false;
        }
    }

    /** What the server printed since it was last started. */
    String logSinceLaunch() {
        try {
            byte[] bytes = Files.readAllBytes(log);
            int from = (int) Math.min(logLengthAtLaunch, bytes.length);
            return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the server and waits until it has gone; nothing when not running. */
    public synchronized void stop() {
        end(stopPolitely);
    }

    /** Kills the server at once (SIGKILL), as a crash; nothing when not running. */
    public synchronized void kill() {
        end(false);
    }

    private void end(boolean politely) {
        if (process != null) {
            ServerProcesses.stop(process, politely);
            RUNNING.remove(process);
            process = null;
        }
    }

    /** Whether the server was started and not stopped or killed since. */
    public synchronized boolean running() {
        return process != null;
    }

    /**
     * Freezes the server (SIGSTOP): connections stay open, nothing is read or answered. Returns
     * once the kernel shows the process stopped, not only signalled.
     */
    public synchronized void freeze() {
        Process running = runningProcess();
        ServerProcesses.signal(running, "STOP");
        ServerProcesses.awaitStopped(running);
    }

    /** Whether the server is frozen now: the kernel shows its process stopped. */
    synchronized boolean frozen() {
        return ServerProcesses.stopped(runningProcess());
    }

    /** Lets a frozen server go on (SIGCONT). */
    public synchronized void thaw() {
        ServerProcesses.signal(runningProcess(), "CONT");
    }

    private Process runningProcess() {
        if (process == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return process;
    }

    /**
     * The loopback port clients use, the same across restarts. Read before the first start, it is
     * the port reserved for the server, which that start leaves only if some other program binds
     * it first (see the class comment).
     */
    public int port() {
        return ports[0];
    }

    /**
     * The file the server's output goes to, across its restarts, until {@link #close()} deletes it
     * (a start that fails puts the log's text in its exception).
     */
    public Path log() {
        return log;
    }

    /** The server's port number {@code index}, as {@code portCount} in the constructor counts them. */
    int port(int index) {
        return ports[index];
    }

    /** Stops the server and deletes its temporary files: its log, and its data when it has some. */
    @Override
    public void close() {
        stop();
        ServerProcesses.delete(scratch);
    }
}
