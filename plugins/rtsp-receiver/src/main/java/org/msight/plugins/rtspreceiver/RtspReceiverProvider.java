package org.msight.plugins.rtspreceiver;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.data.ImageData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code rtsp-receiver} node type: camera frames to JPEG {@code ImageData}, MSight's {@code msight_launch_rtsp}. */
public final class RtspReceiverProvider implements NodeProvider {

    static {
        // JavaCPP and JavaCV log through SLF4J rather than to stderr, unless told otherwise.
        if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
            System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        }
    }

    private static final Logger ENCODER_LOG = LoggerFactory.getLogger(JpegLibrary.class);

    private static final List<Setting> SETTINGS = List.of(
            Setting.required("url", SettingType.STRING,
                    "What to read: rtsp://[user:pass@]host[:port]/path, a file, or an FFmpeg lavfi source").nonEmpty(),
            Setting.optional("format", SettingType.STRING,
                    "FFmpeg input format to force, such as lavfi; empty lets FFmpeg guess from the url"),
            Setting.oneOf("rtsp-transport", "How RTSP carries the video", "tcp", "udp"),
            Setting.optional("resize-ratio", SettingType.DOUBLE,
                    "Scale images by this factor before JPEG encoding (0.5 halves width and height)").above(0, 4),
            Setting.optional("jpeg-quality", SettingType.INT, "JPEG quality from 1 to 100, as OpenCV's").between(1, 100),
            Setting.oneOf("jpeg-encoder", "JPEG library: auto takes TurboJPEG (libturbojpeg0) when installed, else"
                    + " FFmpeg's MJPEG encoder", "auto", "turbojpeg", "ffmpeg"),
            Setting.optional("full-range", SettingType.BOOLEAN,
                    "Expand limited-range (TV) video to full range before encoding, as OpenCV shows it; false saves"
                            + " that step but leaves blacks and whites grey"),
            Setting.optional("connect-timeout", SettingType.DURATION, "Time allowed to connect to a network input")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.optional("auth-retry-after", SettingType.DURATION,
                    "Wait before trying again a camera that refused the user and password (401): cameras lock an"
                            + " account after a few failed logins; or that forbids the stream (403)").between(Duration.ofSeconds(1), Duration.ofHours(1)),
            Setting.optional("read-timeout", SettingType.DURATION,
                    "A stream that sends no frame for this long is an outage: reconnect")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.optional("max-frame-rate", SettingType.DOUBLE,
                    "Offer at most this many frames per second for publishing (before gap); 0 for no limit").atLeast(0),
            Setting.optional("loop", SettingType.BOOLEAN,
                    "Read a file again when it ends; false finishes the node (the pipeline stops once every source has)"),
            Setting.optional("realtime", SettingType.BOOLEAN,
                    "Read files and test sources at their own frame rate; false reads them as fast as they decode"),
            Setting.optional("threads", SettingType.INT, "Video decoder threads; 0 chooses: one when the pipeline has at least as many"
                    + " rtsp-receiver nodes as cores, else one per core plus one, but no more than hold 0.2 s of video")
                    .between(0, 64));

    /** The JPEG encoders said at start: each one the pipeline's nodes use once, by the first node to choose it. */
    private final Set<String> encodersSaid = ConcurrentHashMap.newKeySet();

    @Override
    public String type() {
        return "rtsp-receiver";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SOURCE;
    }

    @Override
    public String description() {
        return "Reads an RTSP camera, file or FFmpeg test source and publishes its frames as JPEG images";
    }

    @Override
    public List<Setting> settings() {
        return SETTINGS;
    }

    /** Its nodes publish JPEG images: MSight's ImageData tag, for the topic registry. */
    @Override
    public String publishedDataType() {
        return ImageData.TAG;
    }

    @Override
    public Node create(NodeContext context) {
        ReceiverSettings settings = ReceiverSettings.from(context.config());
        FfmpegNatives.checkFormat(settings.format()); // before any class whose loading needs the natives
        String encoder = settings.jpegEncoder().describe(context.config().getString("jpeg-encoder").trim());
        if (encodersSaid.add(encoder)) {
            ENCODER_LOG.info("JPEG encoder: {}", encoder);
        }
        return new RtspReceiverNode(context, settings);
    }
}
