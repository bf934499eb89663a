package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_INFO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_TRACE;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;
import org.msight.api.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends FFmpeg's own messages to SLF4J (logger {@code ffmpeg}) instead of stderr, each one line
 * as {@link LogSafe#whole} makes it (what they quote of a camera's answers cannot forge a line;
 * URL passwords masked), with Authorization header values (RTSP requests dumped at TRACE)
 * masked too. FFmpeg's fatal messages log at ERROR; its errors at WARN, at most
 * {@value #WARNINGS_PER_MINUTE} a minute and a repeated line only once in ten minutes (a camera
 * that is down repeats its connection error on every retry, and the runtime already logs the
 * outage); the rest at DEBUG and TRACE.
 */
final class FfmpegLog extends LogCallback {

    private static final Logger LOG = LoggerFactory.getLogger("ffmpeg");
    private static final int WARNINGS_PER_MINUTE = 10;
    /**
     * A message longer than this is logged cut, and the rest of it dropped (not logged as a line of
     * its own, where the tail of a split secret would escape its masking).
     */
    private static final int MAX_MESSAGE_CHARS = 16_384;
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final long REPEAT_NANOS = 10 * MINUTE_NANOS;
    /** The address in FFmpeg's "[tcp @ 0x55d0c0]" prefix, which differs between tries. */
    private static final Pattern CONTEXT_ADDRESS = Pattern.compile(" @ 0x[0-9a-f]+");

    /** The credentials of an (Proxy-)Authorization header line: Basic's Base64, Digest's response. */
    private static final Pattern AUTHORIZATION = Pattern.compile("(?i)(authorization:\\s*)[^\\r\\n]+");

    private static FfmpegLog installed;

    private final StringBuilder partialLine = new StringBuilder();
    /** Whether the rest of a message cut at {@link #MAX_MESSAGE_CHARS} is still coming. */
    private boolean droppingRest;
    private String lastWarning = "";
    private long lastWarningNanos;
    private long windowStart = System.nanoTime();
    private int warningsInWindow;

    private FfmpegLog() {
    }

    /** Routes FFmpeg's messages to SLF4J; the first call installs, later calls do nothing. */
    static synchronized void install() {
        if (installed == null) {
            installed = new FfmpegLog();
            installed.retainReference();
            setLogCallback(installed);
            av_log_set_level(LOG.isTraceEnabled() ? AV_LOG_TRACE : LOG.isDebugEnabled() ? AV_LOG_INFO : AV_LOG_ERROR);
        }
    }

    @Override
    public void call(int level, BytePointer message) {
        String text = message.getString();
        String line;
        synchronized (this) {
            boolean ends = text.endsWith("\n");
            if (droppingRest) {
                droppingRest = !ends;
                return;
            }
            partialLine.append(text);
            if (!ends && partialLine.length() < MAX_MESSAGE_CHARS) {
                return;
            }
            String collected = partialLine.toString().strip();
            if (!ends) {
                collected = collected.substring(0, Math.min(collected.length(), MAX_MESSAGE_CHARS)) + " ... (cut)";
                droppingRest = true;
            }
            line = loggable(collected);
            partialLine.setLength(0);
        }
        if (line.isEmpty()) {
            return;
        }
        if (level <= AV_LOG_FATAL) {
            LOG.error(line);
        } else if (level <= AV_LOG_ERROR) {
            warnRateLimited(line);
        } else if (level <= AV_LOG_INFO) {
            LOG.debug(line);
        } else {
            LOG.trace(line);
        }
    }

    /** A message safe to log: one line, URL passwords and Authorization header values masked. */
    static String loggable(String message) {
        return LogSafe.whole(AUTHORIZATION.matcher(message).replaceAll("$1***"));
    }

    private synchronized void warnRateLimited(String line) {
        long now = System.nanoTime();
        if (now - windowStart > MINUTE_NANOS) {
            windowStart = now;
            warningsInWindow = 0;
        }
        String withoutAddress = CONTEXT_ADDRESS.matcher(line).replaceAll("");
        boolean repeated = withoutAddress.equals(lastWarning) && now - lastWarningNanos < REPEAT_NANOS;
        if (!repeated && warningsInWindow < WARNINGS_PER_MINUTE) {
            warningsInWindow++;
            lastWarning = withoutAddress;
            lastWarningNanos = now;
            LOG.warn(line);
        } else {
            LOG.debug(line);
        }
    }
}
