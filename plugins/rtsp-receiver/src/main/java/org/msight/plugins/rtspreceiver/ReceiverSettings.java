package org.msight.plugins.rtspreceiver;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;
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
 * @param readTimeout limit for waiting for the next frame; longer is an outage
 * @param maxFrameRate frames per second offered for publishing at most; 0 for no limit
 * @param loop whether an input that ends (a file) is opened again at once
 * @param threads video decoder threads; 0 lets FFmpeg choose
 * @param jpegEncoder the library that compresses the JPEGs
 */
record ReceiverSettings(String url, String format, String rtspTransport, double resizeRatio, int jpegQuality,
        boolean fullRange, Duration connectTimeout, Duration readTimeout, double maxFrameRate, boolean loop,
        int threads, JpegLibrary jpegEncoder) {

    /** Reads and checks a node's block; throws {@link IllegalArgumentException} naming the key. */
    static ReceiverSettings from(Config config) {
        String url = config.getString("url").trim();
        require(!url.isEmpty(), "url", "must not be empty");
        String transport = config.getString("rtsp-transport").toLowerCase(Locale.ROOT);
        require(transport.equals("tcp") || transport.equals("udp"), "rtsp-transport",
                "must be tcp or udp, not '" + transport + "'");
        double resizeRatio = config.getDouble("resize-ratio");
        require(resizeRatio > 0 && resizeRatio <= 4, "resize-ratio", "must be above 0 and at most 4, not " + resizeRatio);
        int quality = config.getInt("jpeg-quality");
        require(quality >= 1 && quality <= 100, "jpeg-quality", "must be from 1 to 100, not " + quality);
        Duration connectTimeout = config.getDuration("connect-timeout");
        require(connectTimeout.toMillis() > 0, "connect-timeout", "must be positive");
        Duration readTimeout = config.getDuration("read-timeout");
        require(readTimeout.toMillis() > 0, "read-timeout", "must be positive");
        double maxFrameRate = config.getDouble("max-frame-rate");
        require(maxFrameRate >= 0, "max-frame-rate", "must be 0 (no limit) or more, not " + maxFrameRate);
        int threads = config.getInt("threads");
        require(threads >= 0 && threads <= 64, "threads", "must be from 0 (automatic) to 64, not " + threads);
        return new ReceiverSettings(url, config.getString("format").trim(), transport, resizeRatio, quality,
                config.getBoolean("full-range"), connectTimeout, readTimeout, maxFrameRate,
                config.getBoolean("loop"), threads, JpegLibrary.forSetting(config.getString("jpeg-encoder").trim()));
    }

    /** The settings as they may be logged: the URL's password masked. */
    @Override
    public String toString() {
        return "ReceiverSettings[url=" + Secrets.redactUrl(url) + ", format=" + format + ", rtspTransport="
                + rtspTransport + ", resizeRatio=" + resizeRatio + ", jpegQuality=" + jpegQuality + ", fullRange="
                + fullRange + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", maxFrameRate=" + maxFrameRate + ", loop=" + loop + ", threads=" + threads + ", jpegEncoder="
                + jpegEncoder + "]";
    }

    /** Whether the url is an RTSP stream, which takes the transport and socket timeout options. */
    boolean isRtsp() {
        String lower = url.toLowerCase(Locale.ROOT);
        return lower.startsWith("rtsp://") || lower.startsWith("rtsps://");
    }

    private static void require(boolean condition, String key, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(key + ": " + problem);
        }
    }
}
