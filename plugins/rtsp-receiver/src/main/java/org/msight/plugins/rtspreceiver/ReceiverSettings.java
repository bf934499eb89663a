package org.msight.plugins.rtspreceiver;

import com.typesafe.config.Config;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.Secrets;

/**
 * The settings of one {@code rtsp-receiver} node, read from its block (defaults come from the
 * plugin's {@code reference.conf}) and checked.
 *
 * @param url what FFmpeg opens; may hold credentials, so log only {@code Secrets.redactUrl(url)}
 * @param format the FFmpeg input format to force ({@code lavfi}), empty to let FFmpeg guess
 * @param rtspTransport {@code tcp} or {@code udp}
 * @param resizeRatio scale factor applied before JPEG encoding, 1 for none
 * @param jpegQuality 1 to 100, as OpenCV's and libjpeg's quality
 * @param fullRange whether limited-range (TV) video is expanded to full range before encoding
 * @param connectTimeout limit for connecting to a network input
 * @param authRetryAfter wait before opening again a camera that refused the credentials
 * @param readTimeout limit for waiting for the next frame; longer is an outage
 * @param maxFrameRate frames per second offered for publishing at most; 0 for no limit
 * @param loop whether an input that ends (a file) is opened again at once
 * @param realtime whether files and test sources are read at their own frame rate
 * @param threads video decoder threads; 0 chooses ({@link #decoderThreads})
 * @param jpegEncoder the library that compresses the JPEGs
 */
record ReceiverSettings(String url, String format, String rtspTransport, double resizeRatio, int jpegQuality,
        boolean fullRange, Duration connectTimeout, Duration authRetryAfter, Duration readTimeout,
        double maxFrameRate, boolean loop, boolean realtime, int threads, JpegLibrary jpegEncoder) {

    /** The most video a decoder's frame threads hold, in seconds, when the threads are chosen ({@code threads = 0}). */
    private static final double MOST_VIDEO_HELD_SECONDS = 0.2;
    /** The most decoder threads FFmpeg chooses ({@code MAX_AUTO_THREADS}): one per core plus one, 16 at most. */
    private static final int FFMPEG_MOST_THREADS = 16;
    /**
     * The highest frame rate taken as a stream's own: a higher one is a base rate, not frames (90000,
     * the RTP clock, from an H.264 camera whose SPS has no timing).
     */
    private static final double MOST_KNOWN_FRAME_RATE = 240;
    /** A host (a name, an IPv4 or bracketed IPv6 address) and maybe a port. */
    private static final String HOST = "(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?";
    private static final Pattern HOST_AND_PORT = Pattern.compile(HOST);
    private static final Pattern HOST_AND_PATH = Pattern.compile(HOST + "/.*");
    /** FFmpeg's input formats that read devices: what they read may come back (a camera plugged in again). */
    private static final Set<String> DEVICE_FORMATS = Set.of("v4l2", "video4linux2", "x11grab", "alsa", "pulse",
            "fbdev", "kmsgrab", "decklink", "oss", "jack", "dshow", "avfoundation", "gdigrab");
    /** What ends a url's authority (user info, host and port), as FFmpeg reads it. */
    private static final Pattern AUTHORITY_END = Pattern.compile("[/?#]");
    /** A host given as an address, which FFmpeg does not look up: IPv4 (digits and dots) or bracketed IPv6. */
    private static final Pattern ADDRESS = Pattern.compile("[0-9.]+|\\[.*\\]");

    /** Reads a node's block, which the runtime has checked against the provider's declared settings. */
    static ReceiverSettings from(Config config) {
        return new ReceiverSettings(config.getString("url").trim(), config.getString("format").trim(),
                config.getString("rtsp-transport"), config.getDouble("resize-ratio"), config.getInt("jpeg-quality"),
                config.getBoolean("full-range"), config.getDuration("connect-timeout"),
                config.getDuration("auth-retry-after"), config.getDuration("read-timeout"),
                config.getDouble("max-frame-rate"), config.getBoolean("loop"), config.getBoolean("realtime"),
                config.getInt("threads"), JpegLibrary.forSetting(config.getString("jpeg-encoder").trim()));
    }

    /**
     * The decoder threads to ask FFmpeg for: {@code threads} when set. Else one when the pipeline
     * decodes at least as many cameras as there are cores: FFmpeg's frame threads (a core's worth
     * plus one, each camera) then only contend for them, each holding a frame more of memory and
     * delay. Else one per core plus one, as FFmpeg's own choice, which uses the cores a few cameras
     * leave idle (16 at most), but no more than hold {@value #MOST_VIDEO_HELD_SECONDS} s of video:
     * frame threads hand out a frame once each but one has a packet, so threads - 1 frame intervals
     * late (three threads at 2 fps: 1 s). FFmpeg's own choice (0) where the frame rate is unknown
     * (or above {@value #MOST_KNOWN_FRAME_RATE}, a base rate rather than frames), or for a file or
     * test source read as fast as it decodes ({@code realtime = false}): its frames wait for no
     * frame interval.
     *
     * @param cameras the pipeline's rtsp-receiver nodes
     * @param cores the processors this process may use
     * @param frameRate the stream's declared frames per second; 0 when unknown
     */
    int decoderThreads(int cameras, int cores, double frameRate) {
        if (threads > 0) {
            return threads;
        }
        if (cameras >= cores) {
            return 1;
        }
        boolean paced = realtime || !isFile(); // a camera, a device: each sends at its own pace
        boolean known = frameRate > 0 && frameRate <= MOST_KNOWN_FRAME_RATE;
        return paced && known ? Math.min(Math.min(cores + 1, FFMPEG_MOST_THREADS),
                1 + (int) (MOST_VIDEO_HELD_SECONDS * frameRate)) : 0;
    }

    /** The settings as they may be logged: the URL's password masked. */
    @Override
    public String toString() {
        return "ReceiverSettings[url=" + Secrets.redactUrl(url) + ", format=" + format + ", rtspTransport="
                + rtspTransport + ", resizeRatio=" + resizeRatio + ", jpegQuality=" + jpegQuality + ", fullRange="
                + fullRange + ", connectTimeout=" + connectTimeout + ", authRetryAfter=" + authRetryAfter
                + ", readTimeout=" + readTimeout + ", maxFrameRate=" + maxFrameRate + ", loop=" + loop + ", realtime="
                + realtime + ", threads=" + threads + ", jpegEncoder=" + jpegEncoder + "]";
    }

    /**
     * The url as FFmpeg takes it: a {@code / ? #} in the user info percent-encoded (FFmpeg decodes
     * it again). FFmpeg ends the user info at the first of them, so it would connect to a piece of
     * the password as a host name, and log it. Only a network url is changed, and only when what
     * FFmpeg would take for host and port is none (a password after the colon) while a host and a
     * path follow the url's last {@code @}; any other url is FFmpeg's to read as it is.
     */
    String ffmpegUrl() {
        if (!isNetwork()) {
            return url;
        }
        int userInfo = url.indexOf("://") + 3;
        Matcher end = AUTHORITY_END.matcher(url);
        int authorityEnd = end.find(userInfo) ? end.start() : url.length();
        String hostAndPort = url.substring(Math.max(userInfo, url.lastIndexOf('@', authorityEnd) + 1), authorityEnd);
        int at = url.lastIndexOf('@');
        if (at < authorityEnd || HOST_AND_PORT.matcher(hostAndPort).matches()
                || !HOST_AND_PATH.matcher(url.substring(at + 1)).matches()) {
            return url;
        }
        String encoded = url.substring(userInfo, at).replace("/", "%2F").replace("?", "%3F").replace("#", "%23");
        return url.substring(0, userInfo) + encoded + url.substring(at);
    }

    /**
     * The host name FFmpeg would look up for an RTSP camera: empty for other inputs (an http(s)://
     * one may reach its host through a proxy that alone resolves it), a url given by address or
     * without a host.
     */
    Optional<String> hostName() {
        if (!isRtsp()) {
            return Optional.empty();
        }
        String url = ffmpegUrl();
        return hostIn(url).map(host -> url.substring(host[0], host[1]))
                .filter(host -> !host.isEmpty() && !ADDRESS.matcher(host).matches());
    }

    /**
     * {@link #ffmpegUrl()} reaching its host at {@code address}, for an {@code rtsp://} url, which
     * FFmpeg then connects to without a lookup of its own; any other keeps its host name, which
     * counts there: TLS ({@code rtsps://}, {@code https://}) checks the server's certificate
     * against it, HTTP sends it. A link-local IPv6 address keeps the name too: its zone would be
     * written {@code [fe80::1%252]} (RFC 6874), which strict cameras refuse (400 Bad Request).
     */
    String ffmpegUrl(InetAddress address) {
        String url = ffmpegUrl();
        Optional<int[]> host = hostIn(url);
        if (host.isEmpty() || !url.toLowerCase(Locale.ROOT).startsWith("rtsp://") || scoped(address)) {
            return url;
        }
        return url.substring(0, host.get()[0]) + literal(address) + url.substring(host.get()[1]);
    }

    /** {@code address} as a url's host writes it: an IPv6 one in brackets. */
    static String literal(InetAddress address) {
        String literal = address.getHostAddress();
        return address instanceof Inet6Address ? "[" + literal + "]" : literal;
    }

    /** Whether {@code address} is an IPv6 address of one link only, which needs its zone (interface) in a url. */
    private static boolean scoped(InetAddress address) {
        return address instanceof Inet6Address ipv6 && (ipv6.isLinkLocalAddress() || ipv6.getScopeId() != 0
                || ipv6.getScopedInterface() != null);
    }

    /**
     * Where a network url's host is, start and end, as FFmpeg reads it (av_url_split): after the
     * authority's last {@code @}, up to its port or its end, an IPv6 address with its brackets.
     */
    private Optional<int[]> hostIn(String url) {
        if (!isNetwork()) {
            return Optional.empty();
        }
        int authority = url.indexOf("://") + 3;
        Matcher end = AUTHORITY_END.matcher(url);
        int authorityEnd = end.find(authority) ? end.start() : url.length();
        int start = Math.max(authority, url.lastIndexOf('@', authorityEnd - 1) + 1);
        int hostEnd = url.startsWith("[", start) ? url.indexOf(']', start) + 1 : url.indexOf(':', start);
        return Optional.of(new int[] {start, hostEnd < start || hostEnd > authorityEnd ? authorityEnd : hostEnd});
    }

    /**
     * Whether the url holds a user (and password) before its host: after its {@code ://}, an
     * {@code @} followed by a host, maybe a port, and a path or nothing (a password may hold
     * {@code / ? #}; an {@code @} in a query, {@code ?mail=me@example.org&x=1}, is not followed so).
     */
    boolean hasUserInfo() {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        String rest = at < 0 ? "" : url.substring(at + 1);
        return scheme >= 0 && at > scheme
                && (HOST_AND_PATH.matcher(rest).matches() || HOST_AND_PORT.matcher(rest).matches());
    }

    /** Whether the url is an RTSP stream, which takes the transport and socket timeout options. */
    boolean isRtsp() {
        String lower = url.toLowerCase(Locale.ROOT);
        return lower.startsWith("rtsp://") || lower.startsWith("rtsps://");
    }

    /**
     * Whether the url is a file or a test source: neither a network stream nor a device (a USB
     * camera under {@code /dev}, or one read through a device format such as {@code v4l2} or
     * {@code x11grab}), which may come back; such an input that cannot be read on has come to its end.
     */
    boolean isFile() {
        return !isNetwork() && !url.startsWith("/dev/") && !DEVICE_FORMATS.contains(format.toLowerCase(Locale.ROOT));
    }

    /**
     * Whether the url is a network stream (a camera: rtsp://, http://, udp://...), not a file or
     * a test source: a network stream that ends is an outage, and it sets its own pace.
     */
    boolean isNetwork() {
        return url.matches("(?i)^[a-z][a-z0-9+.-]*://.*") && !url.toLowerCase(Locale.ROOT).startsWith("file:");
    }
}
