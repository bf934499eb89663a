package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A real RTSP server for tests: GStreamer's RTSP server, run by Debian's {@code /usr/bin/python3},
 * serving an H.264 1280x720 30 fps test pattern at {@code /live.stream} on a free loopback port.
 * It can be killed and started again on the same port, and frozen (SIGSTOP) to simulate a
 * stream that stalls without closing its connection. It may ask for a user and password, as
 * cameras do, and forbid its stream (403).
 */
public final class RtspTestServer extends LoopbackServer {

    /** Debian's interpreter, which has the gi bindings; {@code python3} on PATH may not. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final String PACKAGES = "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp "
            + "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly";

    private static Path script;

    /** {@code user:password} a client must give, or null for none. */
    private final String credentials;
    /** Frames a second as GStreamer writes it, such as {@code 30/1} or {@code 1/3}. */
    private final String frameRate;
    /** Further options of the script, such as {@code --tcp-only}. */
    private final List<String> options;

    private RtspTestServer(Path log, String credentials, String frameRate, List<String> options) {
        super("the RTSP test server", log, log, false, Waits.GENEROUS, 1);
        this.credentials = credentials;
        this.frameRate = frameRate;
        this.options = options;
    }

    /**
     * Starts a server on a free port and waits until it accepts connections.
     *
     * @throws IllegalStateException when Python or GStreamer's RTSP server is not installed,
     *     saying how to install them
     */
    public static RtspTestServer start() {
        return start(null, "30/1", List.of());
    }

    /**
     * Starts a server that answers 401 Unauthorized to a client without this user and password
     * (Basic authentication); see {@link #start()}.
     */
    public static RtspTestServer withCredentials(String user, String password) {
        return start(user + ":" + password, "30/1", List.of());
    }

    /**
     * Starts a server whose camera sends {@code frameRate} frames a second, written as GStreamer
     * writes it ({@code 1/3}: one every 3 s, each a keyframe); see {@link #start()}.
     */
    public static RtspTestServer atFrameRate(String frameRate) {
        return start(null, frameRate, List.of());
    }

    /**
     * Starts a server that carries the video over TCP only, answering 461 Unsupported transport
     * to a client that asks for UDP, as some cameras do; see {@link #start()}.
     */
    public static RtspTestServer tcpOnly() {
        return start(null, "30/1", List.of("--tcp-only"));
    }

    /**
     * Starts a server that takes this user and password (Basic authentication) but answers 403
     * Forbidden when they ask for the stream, as a camera does to a user without the right to see
     * it; a wrong or missing password still gets 401 Unauthorized. See {@link #start()}.
     */
    public static RtspTestServer forbidding(String user, String password) {
        return start(user + ":" + password, "30/1", List.of("--forbidden"));
    }

    /** Starts a server that asks for no user and answers 403 Forbidden to every client; see {@link #start()}. */
    public static RtspTestServer forbidding() {
        return start(null, "30/1", List.of("--forbidden"));
    }

    private static RtspTestServer start(String credentials, String frameRate, List<String> options) {
        try {
            RtspTestServer server = new RtspTestServer(Files.createTempFile("rtsp-test-server", ".log"), credentials,
                    frameRate, options);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stream's URL: {@code rtsp://127.0.0.1:<port>/live.stream}. */
    public String url() {
        return url("");
    }

    /** The stream's URL with user info, such as {@code rtsp://admin:secret@127.0.0.1:<port>/live.stream}. */
    public String url(String user, String password) {
        return url(user + ":" + password + "@");
    }

    private String url(String userInfo) {
        return "rtsp://" + userInfo + "127.0.0.1:" + port() + "/live.stream";
    }

    /** Kills the server if it runs, then starts it again on the same port. */
    public synchronized void restart() {
        stop();
        launch();
    }

    @Override
    List<String> command() {
        try {
            List<String> command = new java.util.ArrayList<>(List.of(PYTHON, script().toString(),
                    Integer.toString(port()), "--framerate=" + frameRate));
            command.addAll(options);
            if (credentials != null) {
                command.add(credentials);
            }
            return command;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the RTSP test server's script", e);
        }
    }

    /** Ready once it accepts connections. */
    @Override
    boolean answers(Socket socket) {
        return true;
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

    private static void checkGstreamer() {
        String probe = "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
                + " from gi.repository import Gst, GstRtspServer; Gst.init(None);"
                + " assert all(Gst.ElementFactory.find(e) for e in ('videotestsrc', 'x264enc', 'rtph264pay')),"
                + " 'missing GStreamer elements'";
        Tools.Output check = Tools.run(new ProcessBuilder(PYTHON, "-c", probe).redirectErrorStream(true),
                Waits.GENEROUS);
        if (check.exitCode() != 0) {
            throw new IllegalStateException("GStreamer's RTSP server is missing (" + lastLine(check.text().strip())
                    + "): run scripts/install-test-deps.sh (or apt-get install " + PACKAGES + ")");
        }
    }

    private static String lastLine(String text) {
        int newline = text.lastIndexOf('\n');
        return newline < 0 ? text : text.substring(newline + 1);
    }
}
