package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;

/**
 * A server process of a test's own on a free loopback port, the same across restarts: started
 * from a command line and ready once it answers on its port, stopped politely or as a crash.
 * What the redis and nats test servers share.
 */
abstract class LoopbackServer implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final String name;
    private final int port = FreePorts.next();
    private final Path log;
    private final boolean stopPolitely;
    private Process process;

    /**
     * @param name the server's program, for messages
     * @param log where its output goes (appended across restarts)
     * @param stopPolitely SIGTERM then SIGKILL after 5 s, or SIGKILL at once (a crash)
     */
    LoopbackServer(String name, Path log, boolean stopPolitely) {
        this.name = name;
        this.log = log;
        this.stopPolitely = stopPolitely;
    }

    /** The command line that starts the server on {@link #port()}. */
    abstract List<String> command();

    /** Whether the server on the other end of {@code socket} (just connected) is ready. */
    abstract boolean answers(Socket socket) throws IOException;

    /** Starts the server and waits until it answers; again after {@link #stop()}, on the same port. */
    synchronized void launch() {
        if (process != null) {
            throw new IllegalStateException(name + " already runs on port " + port);
        }
        try {
            process = new ProcessBuilder(command()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        awaitReady();
    }

    /** Stops the server and waits until it has gone; nothing when not running. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        ServerProcesses.stop(process, stopPolitely);
        process = null;
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing is read or answered. */
    public synchronized void freeze() {
        ServerProcesses.signal(running(), "STOP");
    }

    /** Lets a frozen server go on (SIGCONT). */
    public synchronized void thaw() {
        ServerProcesses.signal(running(), "CONT");
    }

    private Process running() {
        if (process == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return process;
    }

    /** The loopback port, the same across restarts. */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop();
    }

    private void awaitReady() {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                int exit = process.exitValue();
                process = null; // start() may be tried again
                throw new IllegalStateException(name + " exited with " + exit + ": " + ServerProcesses.logText(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                socket.setSoTimeout(1000);
                if (answers(socket)) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            ServerProcesses.pause(name);
        }
        stop();
        throw new IllegalStateException(name + " did not answer on port " + port + " within " + START_TIMEOUT_MILLIS
                + " ms: " + ServerProcesses.logText(log));
    }
}
