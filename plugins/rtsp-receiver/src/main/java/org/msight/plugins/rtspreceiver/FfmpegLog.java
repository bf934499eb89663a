package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_class;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_INFO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_TRACE;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.msight.api.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Sends FFmpeg's own messages to SLF4J (logger {@code ffmpeg}) instead of stderr, each one line
 * as {@link LogSafe#whole} makes it (what they quote of a camera's answers cannot forge a line;
 * URL passwords masked), with Authorization header values (RTSP requests dumped at TRACE)
 * masked too. FFmpeg's fatal messages log at ERROR; its errors at WARN, at most
 * {@value #WARNINGS_PER_MINUTE} a minute per camera and a repeated line only once in ten minutes
 * (a camera that is down repeats its connection error on every retry, and the runtime already
 * logs the outage); the rest at DEBUG and TRACE.
 *
 * <p>A line comes with the logging context (the node) of the thread FFmpeg logs it on. What a
 * decoder's own threads log (frame threads: "error while decoding MB ...") comes with the context
 * of the thread that opened the decoder ({@link #speakFor}), so that with many cameras in one
 * process each line names its camera.
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

    /** FFmpeg's prefix of a line logged with a context: "[h264 @ 0x55d0c0a1b2c0] ". */
    private static final Pattern CONTEXT_PREFIX = Pattern.compile("^\\[[^\\]@ ]+ @ 0x([0-9a-f]{1,16})\\] ");
    /** The class every codec context starts with, which tells one from other contexts. */
    private static final long CODEC_CONTEXT_CLASS = avcodec_get_class().address();
    /** Where a codec context holds its {@code opaque}. */
    private static final long OPAQUE_OFFSET = Pointer.offsetof(AVCodecContext.class, "opaque");
    /** The logging context of each decoder's opener, by the address of the decoder (its {@code opaque}). */
    private static final Map<Long, Map<String, String>> DECODER_OWNERS = new ConcurrentHashMap<>();

    /** The credentials of an (Proxy-)Authorization header line: Basic's Base64, Digest's response. */
    private static final Pattern AUTHORIZATION = Pattern.compile("(?i)(authorization:\\s*)[^\\r\\n]+");

    private static FfmpegLog installed;
    /**
     * The last error FFmpeg said on each thread (a camera's): a call's failure code may say less
     * ({@code Input/output error} for a host name that does not resolve).
     */
    private static final ThreadLocal<String> LAST_ERROR = new ThreadLocal<>();

    private final StringBuilder partialLine = new StringBuilder();
    /** The logging context of the line being collected, found at its first part; null for the thread's own. */
    private Map<String, String> partialLineOwner;
    /** Whether the rest of a message cut at {@link #MAX_MESSAGE_CHARS} is still coming. */
    private boolean droppingRest;
    /** Each logging context's (camera's) warnings are limited apart: one camera's cannot hide another's. */
    private final Map<Map<String, String>, WarningLimit> warningLimits = new ConcurrentHashMap<>();

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

    /**
     * Logs what the threads of {@code decoder} say with the calling thread's logging context,
     * until {@link #forget}: marks the decoder as its own {@code opaque}, which FFmpeg copies to
     * the contexts of its frame threads.
     *
     * @return the context, for {@link #forget}; null when the thread has none
     */
    static Map<String, String> speakFor(AVCodecContext decoder) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        if (context == null || context.isEmpty()) {
            return null;
        }
        decoder.opaque(decoder);
        DECODER_OWNERS.put(decoder.address(), context);
        return context;
    }

    /** The last error FFmpeg said on this thread since the last call of this, or null. */
    static String takeLastError() {
        String line = LAST_ERROR.get();
        LAST_ERROR.remove();
        return line;
    }

    /**
     * Ends {@link #speakFor} once the decoder that was at {@code decoderAddress} is freed (its
     * threads may log until they end, in the free). A decoder made meanwhile at the same address
     * keeps its own {@code context}.
     */
    static void forget(long decoderAddress, Map<String, String> context) {
        if (context != null) {
            DECODER_OWNERS.remove(decoderAddress, context);
        }
    }

    @Override
    public void call(int level, BytePointer message) {
        String text = message.getString();
        String line;
        Map<String, String> owner;
        synchronized (this) {
            boolean ends = text.endsWith("\n");
            if (droppingRest) {
                droppingRest = !ends;
                return;
            }
            if (partialLine.length() == 0) {
                partialLineOwner = ownerOf(text);
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
            owner = partialLineOwner;
        }
        if (line.isEmpty()) {
            return;
        }
        // the thread that ends a line may not be the one that began it: one with a context of its own keeps it
        if (level <= AV_LOG_ERROR) {
            LAST_ERROR.set(line);
        }
        boolean adopted = owner != null && !hasOwnContext();
        if (adopted) {
            MDC.setContextMap(owner);
        }
        try {
            if (level <= AV_LOG_FATAL) {
                LOG.error(line);
            } else if (level <= AV_LOG_ERROR) {
                warnRateLimited(line);
            } else if (level <= AV_LOG_INFO) {
                LOG.debug(line);
            } else {
                LOG.trace(line);
            }
        } finally {
            if (adopted) {
                MDC.clear();
            }
        }
    }

    /**
     * On a thread without a logging context of its own (one of FFmpeg's), the context of the
     * decoder a message starts with, if {@link #speakFor} named one; else null. The address in a
     * prefix is only read through {@link ProcessMemory}, never followed: a message whose text only
     * looks like FFmpeg's prefix (a camera's words, quoted) names an address that may be anything.
     */
    private static Map<String, String> ownerOf(String text) {
        if (DECODER_OWNERS.isEmpty()) {
            return null;
        }
        Matcher prefix = CONTEXT_PREFIX.matcher(text);
        if (hasOwnContext() || !prefix.find()) {
            return null;
        }
        long context = Long.parseUnsignedLong(prefix.group(1), 16);
        // av_class is a context's first member, by FFmpeg's API; opaque is read only from a codec context
        OptionalLong contextClass = ProcessMemory.pointerAt(context);
        OptionalLong opaque = contextClass.isPresent() && contextClass.getAsLong() == CODEC_CONTEXT_CLASS
                ? ProcessMemory.pointerAt(context + OPAQUE_OFFSET) : OptionalLong.empty();
        return opaque.isPresent() ? DECODER_OWNERS.get(opaque.getAsLong()) : null;
    }

    /** Whether the calling thread has a logging context of its own (a camera's), unlike FFmpeg's threads. */
    private static boolean hasOwnContext() {
        Map<String, String> own = MDC.getCopyOfContextMap();
        return own != null && !own.isEmpty();
    }

    /** A message safe to log: one line, URL passwords and Authorization header values masked. */
    static String loggable(String message) {
        return LogSafe.whole(AUTHORIZATION.matcher(message).replaceAll("$1***"));
    }

    private void warnRateLimited(String line) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        WarningLimit limit = warningLimits.computeIfAbsent(context == null ? Map.of() : context, any -> new WarningLimit());
        if (limit.admits(CONTEXT_ADDRESS.matcher(line).replaceAll(""), System.nanoTime())) {
            LOG.warn(line);
        } else {
            LOG.debug(line);
        }
    }

    /** At most {@value #WARNINGS_PER_MINUTE} warnings a minute, and a repeated one once in ten minutes. */
    private static final class WarningLimit {
        private String lastWarning = "";
        private long lastWarningNanos;
        private long windowStart = System.nanoTime();
        private int warningsInWindow;

        /** Whether {@code warning} (its context address taken out) is logged as a warning. */
        synchronized boolean admits(String warning, long now) {
            if (now - windowStart > MINUTE_NANOS) {
                windowStart = now;
                warningsInWindow = 0;
            }
            boolean repeated = warning.equals(lastWarning) && now - lastWarningNanos < REPEAT_NANOS;
            if (repeated || warningsInWindow >= WARNINGS_PER_MINUTE) {
                return false;
            }
            warningsInWindow++;
            lastWarning = warning;
            lastWarningNanos = now;
            return true;
        }
    }
}
