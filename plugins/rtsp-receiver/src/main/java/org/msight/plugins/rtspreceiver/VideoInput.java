package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_COPY_OPAQUE;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_network_init;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_BAD_REQUEST;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_FORBIDDEN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_NOT_FOUND;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_OTHER_4XX;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_SERVER_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_TOO_MANY_REQUESTS;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_UNAUTHORIZED;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.DoubleToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOInterruptCB;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.Pointer;
import org.msight.api.RetriableException;
import org.msight.api.RetryAfterException;
import org.msight.api.Secrets;
import org.msight.api.UnrecoverableException;

/**
 * One opened input, demuxed and decoded with FFmpeg (JavaCV's FFmpeg bindings): frames come out
 * in the decoder's own pixel format, never converted, so a frame that will not be published
 * costs only its decoding. Every blocking step is bounded through FFmpeg's interrupt callback,
 * installed before the input is opened so it reaches every socket: opening by the connect
 * timeout, each {@link #grab()} by the read timeout from its last video packet (a decoder's frame
 * threads hand out a frame only once each has a packet: a frame a second, eight threads, is 7 s)
 * and by ten read timeouts in all, and both by {@link #wakeup()}.
 */
final class VideoInput implements AutoCloseable {

    /** How many read timeouts a {@link #grab()} takes at most, however often video packets come. */
    private static final long GRAB_LIMIT_IN_READ_TIMEOUTS = 10;
    /**
     * How many packets in a row the decoder may fail to decode before the input is taken as broken:
     * ten seconds of 30 fps video, longer than a camera's keyframe interval, whose next keyframe
     * repairs a damaged stream; a decoder failing longer has video it will not decode (a file
     * damaged from there on, a stream not the one it was opened for). A camera's run also ends at
     * ten read timeouts without a frame, whichever comes first.
     */
    static final int UNDECODABLE_IN_A_ROW_LIMIT = 300;
    /** How long closing the input may take: a TEARDOWN to a camera that no longer reads is not waited for longer. */
    private static final Duration CLOSE_LIMIT = Duration.ofSeconds(1);
    /** RTSP describes the stream in its SDP: probe one packet, not a second of video. */
    private static final String RTSP_PROBE_BYTES = "32";
    /** Linux's errno of "Input/output error": FFmpeg returns it negated for a host it cannot resolve, among others. */
    private static final int EIO = 5;
    private static final Pattern UNRESOLVED_HOST = Pattern.compile("Failed to resolve hostname (\\S+): (.+)$");
    /** Linux's errno of "Protocol not supported", which FFmpeg returns negated for an RTSP 461 Unsupported transport. */
    private static final int EPROTONOSUPPORT = 93;
    /** Linux's errno of "Cannot allocate memory": a decoder failing so does not recover by going on. */
    private static final int ENOMEM = 12;
    /** FFmpeg's codes of an RTSP (or HTTP) status other than 200 OK a camera answered; 461's: -EPROTONOSUPPORT. */
    private static final Set<Integer> STATUS_ANSWERS = Set.of(AVERROR_HTTP_BAD_REQUEST, AVERROR_HTTP_UNAUTHORIZED,
            AVERROR_HTTP_FORBIDDEN, AVERROR_HTTP_NOT_FOUND, AVERROR_HTTP_TOO_MANY_REQUESTS, AVERROR_HTTP_OTHER_4XX,
            AVERROR_HTTP_SERVER_ERROR, -EPROTONOSUPPORT);

    /** {@code AV_FRAME_FLAG_CORRUPT} of FFmpeg's frame.h, which the binding does not carry. */
    private static final int FRAME_FLAG_CORRUPT = 1;
    /**
     * Inputs by their number, for the one shared interrupt callback. Not by their format context's
     * address: a failed open frees the context before {@link #close()} forgets it, and another
     * camera's new context may take that address meanwhile.
     */
    private static final Map<Long, VideoInput> OPEN = new ConcurrentHashMap<>();
    /** The next input's number, from 1: the callback's opaque pointer, which must not be null. */
    private static final AtomicLong NEXT_NUMBER = new AtomicLong(1);
    private static final Interrupter INTERRUPTER;

    static {
        FfmpegLog.install();
        avformat_network_init();
        INTERRUPTER = new Interrupter();
    }

    private final String safeUrl;
    private final long readTimeoutNanos;
    /** The input's context: a new one for each address tried, as a failed open frees it. */
    private AVFormatContext format;
    private final long number = NEXT_NUMBER.getAndIncrement();
    private final AVPacket packet = av_packet_alloc();
    private final AVFrame frame = av_frame_alloc();
    private final PacketArrivals arrivals = new PacketArrivals();
    private final Tag packetTag = new Tag();
    private final HostLookup hostLookup;
    private final Consumer<String> undecodable;
    private int undecodableInARow;
    private AVCodecContext decoder;
    /** The logging context the decoder's threads log with ({@link FfmpegLog#speakFor}), or null. */
    private Map<String, String> decoderContext;
    /** What {@link #stream()} says. */
    private String stream = "";
    private int videoStream = -1;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    /** The latest the {@link #grab()} under way may end: video that decodes to no frame for this long stalls. */
    private long grabLimitNanos;
    /** Completed by {@link #wakeup()}. */
    private final CompletableFuture<Void> woken = new CompletableFuture<>();
    private volatile boolean timedOut;
    private boolean draining;
    private boolean ended;
    /** Set by the first {@link #close()}: later calls do nothing, whichever thread makes them. */
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Set by {@link #close()} as it closes the input: the interrupt callback heeds only the close
     * deadline then, not {@link #wakeup()}, so that what closing sends (an RTSP TEARDOWN) goes out
     * after a stop too.
     */
    private volatile boolean closing;
    private String endReason = "";

    private VideoInput(ReceiverSettings settings, HostLookup hostLookup, Consumer<String> undecodable) {
        this.safeUrl = Secrets.redactUrl(settings.url());
        this.hostLookup = hostLookup;
        this.undecodable = undecodable;
        this.readTimeoutNanos = settings.readTimeout().toNanos();
        OPEN.put(number, this);
        this.format = newFormatContext();
    }

    /** A format context whose blocking calls ask this input's interrupt callback. */
    private AVFormatContext newFormatContext() {
        AVFormatContext context = avformat_alloc_context();
        AVIOInterruptCB interrupt = context.interrupt_callback();
        interrupt.callback(INTERRUPTER);
        interrupt.opaque(new Tag().number(number));
        return context;
    }

    /**
     * An input not yet opened, whose {@link #wakeup()} already works: hand it to the thread that
     * may stop it, then {@link #open(ReceiverSettings)} it.
     *
     * @param hostLookup the camera's, which looks its host name up
     * @param undecodable told FFmpeg's reason for each video packet the decoder fails to decode,
     *     which the input skips, as FFmpeg's own tool does
     */
    static VideoInput prepare(ReceiverSettings settings, HostLookup hostLookup, Consumer<String> undecodable) {
        return new VideoInput(settings, hostLookup, undecodable);
    }

    /**
     * Opens the input and its video decoder within the connect timeout, or until
     * {@link #wakeup()}; closes it on failure.
     *
     * @param decoderThreads the decoder's threads for the stream's declared frame rate (0 when
     *     unknown); 0 lets FFmpeg choose
     * @throws RetriableException when it cannot be opened now (camera down, file missing, woken
     *     up), with FFmpeg's reason and the URL without its password; a
     *     {@link RetryAfterException} of {@code auth-retry-after} when the camera refuses the
     *     credentials, so that retries do not lock the camera's account, or forbids the stream
     * @throws UnrecoverableException when a device input's natives cannot load
     */
    void open(ReceiverSettings settings, DoubleToIntFunction decoderThreads)
            throws RetriableException, UnrecoverableException {
        try {
            deadlineNanos = System.nanoTime() + settings.connectTimeout().toNanos();
            openDemuxer(settings);
            openDecoder(decoderThreads.applyAsInt(declaredFrameRate()));
            // a probe that the deadline cut short but that found the video leaves no stale timeout
            timedOut = false;
        } catch (RetriableException | UnrecoverableException | RuntimeException e) {
            close();
            throw e;
        } finally {
            deadlineNanos = Long.MAX_VALUE;
        }
    }

    private void openDemuxer(ReceiverSettings settings) throws RetriableException, UnrecoverableException {
        AVInputFormat inputFormat = settings.format().isEmpty() ? null : FfmpegNatives.inputFormat(settings.format());
        Optional<String> host = settings.hostName();
        int result = -1;
        String reason = "";
        List<String> failures = new ArrayList<>(); // "127.0.0.2: Connection refused", one an address tried
        for (Target target : targetsToOpen(settings, host)) {
            if (!failures.isEmpty()) {
                // FFmpeg freed the context: a new one, and a connect-timeout of the next address's own
                format = newFormatContext();
                deadlineNanos = System.nanoTime() + settings.connectTimeout().toNanos();
                timedOut = false;
            }
            result = openInput(target.url(), inputFormat, settings);
            if (result >= 0) {
                host.ifPresent(name -> hostLookup.opened(name, target.address()));
                break;
            }
            reason = result == -EIO ? unresolvedHost(FfmpegLog.takeLastError()).orElse(reasonFor(result))
                    : reasonFor(result);
            failures.add(target.address() == null ? reason
                    : ReceiverSettings.literal(target.address()) + ": " + reason);
            if (!triesTheNextAddress(result, woken.isDone())) {
                break;
            }
        }
        if (result == AVERROR_HTTP_UNAUTHORIZED || result == AVERROR_HTTP_FORBIDDEN) {
            throw refused(settings, result == AVERROR_HTTP_FORBIDDEN);
        }
        if (result < 0) {
            throw new RetriableException("cannot open " + safeUrl + ": "
                    + (failures.size() == 1 ? reason : String.join("; ", failures))
                    + (settings.isRtsp() ? rtspAdvice(result, settings.rtspTransport()) : ""));
        }
        // The probe waits for the first frames: as long as a frame may take (read-timeout), when that
        // is longer, so that a camera sending one frame in 3 s is not cut off while it is probed.
        deadlineNanos = Math.max(deadlineNanos, System.nanoTime() + readTimeoutNanos);
        result = avformat_find_stream_info(format, (AVDictionary) null);
        if (result < 0) {
            throw new RetriableException("cannot read the streams of " + safeUrl + ": " + reasonFor(result));
        }
        videoStream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
        if (videoStream < 0) {
            throw new RetriableException(safeUrl + " has no video stream, only audio or data: check the url (a camera may"
                    + " serve its video at another path)");
        }
    }

    /** Opens {@code url} into {@link #format}: avformat_open_input's result. */
    private int openInput(String url, AVInputFormat inputFormat, ReceiverSettings settings) {
        AVDictionary options = new AVDictionary(null);
        if (settings.isRtsp()) {
            av_dict_set(options, "rtsp_transport", settings.rtspTransport(), 0);
            av_dict_set(options, "probesize", RTSP_PROBE_BYTES, 0);
        }
        FfmpegLog.takeLastError(); // an earlier call's
        int result = avformat_open_input(format, url, inputFormat, options);
        av_dict_free(options);
        return result;
    }

    /**
     * Whether an open that failed with {@code result} goes on to the camera's next address, as
     * FFmpeg goes on through a name's: after any failure to reach the camera there (refused,
     * unreachable, no answer, an address this machine cannot use: IPv6 off, a firewall, a network
     * down, a connection reset). Not after a {@link #wakeup()}, nor after an answer of the camera,
     * which its other addresses would give too: an RTSP status (401, 403, 404, 461, 503, ...) or
     * what does not speak RTSP (invalid data).
     */
    static boolean triesTheNextAddress(int result, boolean wokenUp) {
        return result < 0 && !wokenUp && result != AVERROR_INVALIDDATA && !STATUS_ANSWERS.contains(result);
    }

    /** A url for FFmpeg, and the address of the camera's host name it reaches; no address where there is no name. */
    private record Target(InetAddress address, String url) {
    }

    /**
     * What FFmpeg opens, in turn, once the camera's host name resolved ({@link HostLookup}) by
     * the connect timeout: an {@code rtsp://} camera's url at each address found, in the lookup's
     * order (the address it last opened at first), any other's as it is
     * ({@link ReceiverSettings#ffmpegUrl(InetAddress)}).
     */
    private List<Target> targetsToOpen(ReceiverSettings settings, Optional<String> host) throws RetriableException {
        if (host.isEmpty()) {
            return List.of(new Target(null, settings.ffmpegUrl()));
        }
        try {
            List<InetAddress> addresses = hostLookup.addresses(host.get(), woken, deadlineNanos);
            if (addresses != null) {
                Set<String> urls = new HashSet<>();
                return addresses.stream().map(address -> new Target(address, settings.ffmpegUrl(address)))
                        .filter(target -> urls.add(target.url())).toList();
            }
        } catch (TimeoutException e) {
            throw new RetriableException("cannot open " + safeUrl + ": cannot resolve host " + host.get()
                    + " within connect-timeout (" + settings.connectTimeout().toMillis() + " ms): DNS did not answer"
                    + " (check this machine's DNS, or give the camera by IP address)");
        } catch (UnknownHostException e) { // "cam-3.local: Name or service not known"
            String reason = e.getMessage().substring(e.getMessage().indexOf(':') + 1).trim();
            throw new RetriableException("cannot open " + safeUrl + ": " + cannotResolve(host.get(), reason));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new RetriableException("cannot open " + safeUrl + ": woken up");
    }

    /**
     * A host name that did not resolve, from FFmpeg's error line ({@code Failed to resolve hostname
     * cam-3.local: Name or service not known}): its failure code says only {@code Input/output error}.
     */
    private static Optional<String> unresolvedHost(String ffmpegError) {
        Matcher failed = ffmpegError == null ? null : UNRESOLVED_HOST.matcher(ffmpegError);
        return failed != null && failed.find() ? Optional.of(cannotResolve(failed.group(1), failed.group(2)))
                : Optional.empty();
    }

    private static String cannotResolve(String host, String reason) {
        return "cannot resolve host " + host + ": " + reason + " (check the url's host, or this machine's DNS)";
    }

    /** What to do about an RTSP camera that could not be opened, in brackets; empty when there is nothing to say. */
    private String rtspAdvice(int result, String transport) {
        if (woken.isDone()) {
            return "";
        }
        if (timedOut) {
            return " (connect-timeout: check that the url's host and port are the camera's RTSP ones)";
        }
        if (result == AVERROR_HTTP_NOT_FOUND) {
            return " (the camera has no stream at that path: check the url's path)";
        }
        if (result == AVERROR_INVALIDDATA) {
            return " (what answers there does not speak RTSP: check the url's host and port)";
        }
        // a camera answering 461 Unsupported transport: FFmpeg falls back to TCP only when none is forced
        return result == -EPROTONOSUPPORT ? " (does the camera carry rtsp-transport = " + transport + "? try "
                + (transport.equals("tcp") ? "udp" : "tcp") + ")" : "";
    }

    /**
     * A camera that refused the credentials (401), which cameras count towards locking the
     * account, or that forbids the stream to them (403), which no retry changes until the camera's
     * permissions or the url do: either is tried again after {@code auth-retry-after}.
     */
    private RetryAfterException refused(ReceiverSettings settings, boolean forbidden) {
        boolean user = settings.hasUserInfo();
        String what = forbidden
                ? user ? "does not let the url's user see that stream (403 Forbidden): check the user's permissions"
                        + " in the camera, and the url's path"
                        : "forbids that stream to a client without a user (403 Forbidden): check the url's path, or"
                        + " give the url a user allowed to see it"
                : user ? "refused the user and password in the url (401 Unauthorized)"
                        : "asks for a user and password, and the url has none (401 Unauthorized)";
        String why = forbidden ? "retrying changes nothing until the camera's permissions or the url do"
                : "cameras lock an account after a few failed logins";
        return new RetryAfterException(safeUrl + " " + what + "; the next attempt waits auth-retry-after, as " + why,
                settings.authRetryAfter());
    }

    /**
     * The video's frames per second as the stream declares them; 0 when unknown. The codec's
     * (an H.264 or H.265 SPS's timing) first, else the stream's average (a file's), else its base
     * rate: over RTSP, where the probe reads one packet, the average is unknown and the base rate
     * of H.264 twice the frame rate, or 90000 (the RTP clock) where the SPS has no timing, which
     * {@link ReceiverSettings#decoderThreads} takes as unknown.
     */
    private double declaredFrameRate() {
        AVStream video = format.streams(videoStream);
        return Stream.of(video.codecpar().framerate(), video.avg_frame_rate(), video.r_frame_rate())
                .filter(rate -> rate.num() > 0 && rate.den() > 0).findFirst()
                .map(rate -> (double) rate.num() / rate.den()).orElse(0.0);
    }

    private void openDecoder(int threads) throws RetriableException {
        var parameters = format.streams(videoStream).codecpar();
        AVCodec codec = avcodec_find_decoder(parameters.codec_id());
        if (codec == null) {
            throw new RetriableException(safeUrl + " has video FFmpeg cannot decode (codec id "
                    + parameters.codec_id() + ")");
        }
        String codecName = codec.name().getString();
        decoder = avcodec_alloc_context3(codec);
        decoderContext = FfmpegLog.speakFor(decoder); // before the decoder's threads are made
        int result = avcodec_parameters_to_context(decoder, parameters);
        if (result >= 0) {
            decoder.thread_count(threads);
            decoder.flags(decoder.flags() | AV_CODEC_FLAG_COPY_OPAQUE); // a packet's arrival reaches its frame
            result = avcodec_open2(decoder, codec, (AVDictionary) null);
        }
        if (result < 0) {
            throw new IllegalStateException("cannot open the " + codecName + " decoder: " + FfmpegErrors.describe(result));
        }
        int chosen = decoder.thread_count(); // FFmpeg's choice for 0; 0 still where the codec threads itself
        stream = codecName + ", " + parameters.width() + "x" + parameters.height()
                + (chosen > 0 ? ", " + chosen + " decoder thread" + (chosen == 1 ? "" : "s") : "");
    }

    /**
     * The next decoded frame, in the decoder's own pixel format; valid until the next call.
     *
     * @return the frame, or {@code null} when the input ended, failed, stalled past the read
     *     timeout or was woken up; {@link #endReason()} says which
     */
    AVFrame grab() {
        long now = System.nanoTime();
        grabLimitNanos = now + GRAB_LIMIT_IN_READ_TIMEOUTS * readTimeoutNanos;
        deadlineNanos = now + readTimeoutNanos;
        try {
            while (true) {
                int received = avcodec_receive_frame(decoder, frame);
                if (received >= 0) {
                    undecodableInARow = 0;
                    return frame;
                }
                if (received == AVERROR_EOF) {
                    ended = true;
                    endReason = "ended";
                    return null;
                }
                boolean goesOn = received == AVERROR_EAGAIN() ? readPacketIntoDecoder() : decodingGoesOn(received);
                if (!goesOn) {
                    return null;
                }
            }
        } finally {
            deadlineNanos = Long.MAX_VALUE;
        }
    }

    /**
     * Feeds the decoder the next video packet; false when reading stopped for good. A read ended
     * by the read timeout or {@link #wakeup()} ends reading for good, even when FFmpeg still hands
     * out what its parser held (the last frame before a stream froze): waiting for more would wait
     * a second read timeout.
     */
    private boolean readPacketIntoDecoder() {
        if (draining || interrupted()) {
            return false;
        }
        int read = av_read_frame(format, packet);
        if (read < 0) {
            if (interrupted()) {
                return false;
            }
            if (read != AVERROR_EOF) {
                endReason = "failed: " + reasonFor(read);
                return false;
            }
            // The end: let the decoder hand out the frames it still holds.
            draining = true;
            return decodingGoesOn(avcodec_send_packet(decoder, null));
        }
        boolean goesOn = true;
        if (packet.stream_index() == videoStream) {
            // A damaged packet is FFmpeg's to log and conceal; the next keyframe repairs the picture.
            packet.opaque(packetTag.number(arrivals.arrived())); // the decoder copies it to the packet's frame
            goesOn = decodingGoesOn(avcodec_send_packet(decoder, packet));
            deadlineNanos = Math.min(System.nanoTime() + readTimeoutNanos, grabLimitNanos); // not silent
        }
        av_packet_unref(packet);
        return goesOn;
    }

    /**
     * Whether decoding goes on after the decoder's {@code result}, of taking a packet or handing
     * out a frame (FFmpeg decodes at either): a packet it fails to decode is skipped and told to
     * {@link #undecodable}, as FFmpeg's own tool does, unless memory ran out or
     * {@link #UNDECODABLE_IN_A_ROW_LIMIT} packets in a row failed; {@link #endReason()} says so then.
     */
    private boolean decodingGoesOn(int result) {
        if (result >= 0 || result == AVERROR_EAGAIN() || result == AVERROR_EOF) {
            return true; // EAGAIN, EOF: frames to take out first, or none left; avcodec_receive_frame says which
        }
        String reason = FfmpegErrors.describe(result);
        if (result == -ENOMEM) {
            endReason = "cannot be decoded: " + reason;
            return false;
        }
        undecodable.accept(reason);
        if (++undecodableInARow >= UNDECODABLE_IN_A_ROW_LIMIT) {
            endReason = "sent " + undecodableInARow + " video packets in a row that cannot be decoded, the last: "
                    + reason;
            return false;
        }
        return true;
    }

    /**
     * Whether the decoder made {@code frame} from damaged video (lost packets, a corrupt
     * bitstream): it concealed the damage, or the picture refers to one it never had.
     */
    static boolean damaged(AVFrame frame) {
        return (frame.flags() & FRAME_FLAG_CORRUPT) != 0 || frame.decode_error_flags() != 0;
    }

    /** Whether the last {@link #grab()} returned {@code null} because the input came to its end. */
    boolean ended() {
        return ended;
    }

    /**
     * When {@code frame} is to be shown, in seconds from the start of the input; {@code NaN}
     * when the input does not say.
     */
    double presentationSeconds(AVFrame frame) {
        long timestamp = frame.best_effort_timestamp();
        if (timestamp == AV_NOPTS_VALUE) {
            return Double.NaN;
        }
        AVRational base = format.streams(videoStream).time_base();
        return timestamp * (double) base.num() / base.den();
    }

    /**
     * When the video of {@code frame} arrived, in POSIX seconds: its capture time, however long
     * the decoder held it; now where that is not known.
     */
    double arrivalSeconds(AVFrame frame) {
        Pointer tag = frame.opaque();
        return arrivals.arrivalOf(tag == null ? 0 : tag.address());
    }

    /**
     * A number in an {@code opaque} pointer, which FFmpeg hands back and never reads: a packet's,
     * which the decoder copies to the packet's frame ({@code AV_CODEC_FLAG_COPY_OPAQUE}), across
     * its threads and reordering (one, reused); an input's, for its interrupt callback.
     */
    private static final class Tag extends Pointer {
        Tag number(long number) {
            address = number;
            return this;
        }
    }

    /** Whether the read timeout or {@link #wakeup()} ended reading; sets {@link #endReason()} then. */
    private boolean interrupted() {
        boolean wokenUp = woken.isDone();
        if (wokenUp || timedOut) {
            endReason = wokenUp ? "woken up" : System.nanoTime() >= grabLimitNanos ? "sent video that decoded to no"
                    + " frame for " + GRAB_LIMIT_IN_READ_TIMEOUTS * readTimeoutNanos / 1_000_000 + " ms (ten"
                    + " read-timeouts)" : "sent nothing for " + readTimeoutNanos / 1_000_000
                    + " ms (read-timeout: a camera that sends fewer frames needs a longer one)";
            return true;
        }
        return false;
    }

    /** Why the last {@link #grab()} returned {@code null}: "ended", "sent nothing for 2000 ms (read-timeout...)", ... */
    String endReason() {
        return endReason;
    }

    /**
     * Makes a blocking {@link #open} fail and a blocking {@link #grab()} return {@code null}
     * promptly, now or when they start; callable from any thread.
     */
    void wakeup() {
        woken.complete(null);
    }

    /** Whether {@link #wakeup()} was called. */
    boolean wokenUp() {
        return woken.isDone();
    }

    /** Whether the input stopped because it sent nothing for the read timeout. */
    boolean timedOut() {
        return timedOut;
    }

    /**
     * The decoder's name, the picture's size as the stream declares it and the decoder's threads,
     * such as {@code h264, 1920x1080, 1 decoder thread}.
     */
    String stream() {
        return stream;
    }

    /** The URL, safe to log. */
    String safeUrl() {
        return safeUrl;
    }

    /**
     * Frees everything, within {@link #CLOSE_LIMIT} for what closing the input sends (an RTSP
     * TEARDOWN, a TLS close) to a peer that may no longer read; later calls do nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (decoder != null) {
            long address = decoder.address();
            avcodec_free_context(decoder); // ends its threads, which may still log the frame they decode
            FfmpegLog.forget(address, decoderContext);
            decoder = null;
        }
        // A failed avformat_open_input has freed the context already and nulled our pointer.
        if (!format.isNull()) {
            deadlineNanos = System.nanoTime() + CLOSE_LIMIT.toNanos();
            closing = true;
            avformat_close_input(format);
        }
        av_frame_free(frame);
        av_packet_free(packet);
        OPEN.remove(number);
    }

    private String reasonFor(int error) {
        return timedOut ? "no answer within the timeout" : woken.isDone() ? "woken up" : FfmpegErrors.describe(error);
    }

    /** FFmpeg's interrupt callback: non-zero ends the blocking I/O call under way. */
    private static final class Interrupter extends AVIOInterruptCB.Callback_Pointer {

        Interrupter() {
            retainReference();
        }

        @Override
        public int call(Pointer opaque) {
            VideoInput input = opaque == null ? null : OPEN.get(opaque.address());
            if (input == null) {
                return 0;
            }
            if (input.woken.isDone() && !input.closing) {
                return 1;
            }
            if (System.nanoTime() > input.deadlineNanos) {
                input.timedOut = true;
                return 1;
            }
            return 0;
        }
    }
}
