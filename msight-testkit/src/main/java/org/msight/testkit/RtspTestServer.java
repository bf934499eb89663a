package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real RTSP server for tests: GStreamer's RTSP server, run by Debian's {@code /usr/bin/python3},
 * serving an H.264 1280x720 30 fps test pattern at {@code /live.stream} on a free loopback port.
 * It can be killed and started again on the same port, and frozen (SIGSTOP) to simulate a
 * stream that stalls without closing its connection.
 */
public final class RtspTestServer implements AutoCloseable {

    /** Debian's interpreter, which has the gi bindings; {@code python3} on PATH may not. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final String PACKAGES = "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp "
            + "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private static Path script;

    private final int port;
    private final Path log;
    private Process process;

    private RtspTestServer(int port, Path log) {
        this.port = port;
        this.log = log;
    }

    /**
     * Starts a server on a free port and waits until it accepts connections.
     *
     * @throws IllegalStateException when Python or GStreamer's RTSP server is not installed,
     *     saying how to install them
     */
    public static RtspTestServer start() {
        try {
            RtspTestServer server = new RtspTestServer(FreePorts.next(), Files.createTempFile("rtsp-test-server", ".log"));
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stream's URL: {@code rtsp://127.0.0.1:<port>/live.stream}. */
    public String url() {
        return "rtsp://127.0.0.1:" + port + "/live.stream";
    }

    /** The port the server listens on, the same across restarts. */
    public int port() {
        return port;
    }

    /** Kills the server (SIGKILL), as a camera that loses power: clients see the stream end. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Kills the server if it runs, then starts it again on the same port. */
    public synchronized void restart() {
        stop();
        startProcess();
    }

    /** Freezes the server (SIGSTOP): connections stay open but no packet flows. */
    public synchronized void freeze() {
        signal("STOP");
    }

    /** Lets a frozen server go on (SIGCONT). */
    public synchronized void thaw() {
        signal("CONT");
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startProcess() {
        try {
            ProcessBuilder builder = new ProcessBuilder(PYTHON, script().toString(), Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = builder.start();
            waitUntilListening();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the RTSP test server", e);
        }
    }

    private void waitUntilListening() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the RTSP test server exited with code " + process.exitValue()
                        + ": " + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        stop();
        throw new IllegalStateException("the RTSP test server did not listen on port " + port + " within "
                + START_TIMEOUT.toSeconds() + " s: " + Files.readString(log, StandardCharsets.UTF_8).strip());
    }

    private void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException("the RTSP test server is not running");
        }
        ServerProcesses.signal(process, signal);
    }

    /** The server script, extracted once, after checking that Python and GStreamer are installed. */
    private static synchronized Path script() throws IOException {
        if (script == null) {
            Tools.require(PYTHON, "python3-gi");
            checkGstreamer();
            Path file = Files.createTempFile("rtsp_test_server", ".py");
            try (InputStream in = RtspTestServer.class.getResourceAsStream("rtsp_test_server.py")) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            file.toFile().deleteOnExit();
            script = file;
        }
        return script;
    }

    private static void checkGstreamer() throws IOException {
        String probe = "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
                + " from gi.repository import Gst, GstRtspServer; Gst.init(None);"
                + " assert all(Gst.ElementFactory.find(e) for e in ('videotestsrc', 'x264enc', 'rtph264pay')),"
                + " 'missing GStreamer elements'";
        Process check = new ProcessBuilder(List.of(PYTHON, "-c", probe)).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (check.waitFor() != 0) {
                throw new IllegalStateException("GStreamer's RTSP server is missing (" + lastLine(output)
                        + "): run scripts/install-test-deps.sh (or apt-get install " + PACKAGES + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking for GStreamer", e);
        }
    }

    private static String lastLine(String text) {
        int newline = text.lastIndexOf('\n');
        return newline < 0 ? text : text.substring(newline + 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
