package org.msight.plugins.rtspreceiver;

import java.time.Duration;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.msight.api.Counter;
import org.msight.api.EndOfInputException;
import org.msight.api.LogThrottle;
import org.msight.api.NodeContext;
import org.msight.api.RetriableException;
import org.msight.api.SourceNode;
import org.msight.api.UnrecoverableException;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.slf4j.event.Level;

/**
 * Reads a camera (or file, or FFmpeg test source) and publishes its frames as JPEG
 * {@link ImageData}. Every frame is decoded, but only the frames the runtime will publish (gap,
 * {@code max-frame-rate}) are scaled and encoded, counted as {@code encoded}; frames decoded from
 * damaged video (lost packets: the decoder concealed what was missing) are counted as
 * {@code damaged}, published or not; video packets the decoder cannot decode at all are skipped and
 * counted as {@code undecodable}, with a warning at most every ten seconds. Files and test
 * sources are read at their own frame rate unless {@code realtime = false}. A camera that
 * cannot be opened, ends, or sends nothing for the read timeout is reported with a
 * {@link RetriableException}: the runtime reconnects with the node's {@code restart-backoff};
 * one that refuses the credentials or forbids the stream (401, 403), after {@code auth-retry-after}
 * (a {@code RetryAfterException}).
 * A file that ends is read again with {@code loop}, else the node finishes
 * ({@link EndOfInputException}). Natives that cannot load stop the node for good.
 */
final class RtspReceiverNode implements SourceNode {

    private final NodeContext context;
    private final ReceiverSettings settings;
    private final long minOfferIntervalNanos;
    private final Counter encoded;
    private final Counter damaged;
    private final Counter undecodable;
    private final LogThrottle undecodableLines = new LogThrottle(Duration.ofSeconds(10));
    private final FramePacer pacer;
    /** The pipeline's rtsp-receiver nodes. */
    private final int cameras;
    private final HostLookup hostLookup;
    private boolean warnedDamaged;
    /** What the last open read ({@link VideoInput#stream()}), or {@code null} before the first. */
    private String lastStream;

    private volatile VideoInput input;
    private volatile boolean stopping;
    private JpegEncoder encoder;
    private long nextOfferNanos = Long.MIN_VALUE;

    RtspReceiverNode(NodeContext context, ReceiverSettings settings) {
        this.context = context;
        this.settings = settings;
        this.hostLookup = new HostLookup(settings.connectTimeout());
        this.minOfferIntervalNanos = settings.maxFrameRate() > 0 ? (long) (1e9 / settings.maxFrameRate()) : 0;
        this.encoded = context.counter("encoded");
        this.damaged = context.counter("damaged");
        this.undecodable = context.counter("undecodable");
        this.pacer = settings.realtime() && !settings.isNetwork() ? new FramePacer() : null;
        this.cameras = context.nodesOfType();
    }

    @Override
    public void open() throws RetriableException, UnrecoverableException {
        FfmpegNatives.requireCore();
        openInput();
        encoder = new JpegEncoder(settings.jpegEncoder(), settings.jpegQuality(), settings.resizeRatio(), settings.fullRange());
        // at each open; at INFO the first time and when the stream changed (a camera back at a new size),
        // not at each reconnection of a camera that drops its session every few seconds
        String stream = input.stream();
        context.logger().atLevel(stream.equals(lastStream) ? Level.DEBUG : Level.INFO)
                .log("Reading {} ({})", input.safeUrl(), stream);
        lastStream = stream;
    }

    @Override
    public void poll() throws RetriableException, UnrecoverableException, EndOfInputException, InterruptedException {
        VideoInput current = input;
        if (stopping || current == null) {
            return;
        }
        AVFrame frame = current.grab();
        if (frame == null) {
            endOfInput(current);
            return;
        }
        if (VideoInput.damaged(frame)) {
            damaged.increment();
        }
        if (pacer != null) {
            pacer.await(current.presentationSeconds(frame), () -> stopping);
        }
        if (offerAllowed(System.nanoTime())) {
            // The supplier runs only for frames that will be published, while the frame is valid.
            context.publish(() -> {
                // a file's frames are captured as the pacer lets them out; a camera's as their video arrived
                double capture = pacer != null ? Metadata.now() : current.arrivalSeconds(frame);
                encoded.increment();
                return ImageData.jpeg(context.newMetadata(capture), encoder.encode(frame), encoder.height(),
                        encoder.width());
            });
        }
    }

    /**
     * Opens a new input, reachable by {@link #wakeup()} while it connects. A stop requested
     * before stays in force: the node is stopped for good once woken. A file that cannot be
     * opened (a path mistyped, no such test source) stops the node for good: unlike a camera, it
     * does not come back by itself.
     */
    private void openInput() throws RetriableException, UnrecoverableException {
        VideoInput opening = VideoInput.prepare(settings, hostLookup, this::skippedUndecodable);
        input = opening;
        // wakeup() sets stopping before it reads input; this reads them the other way round, so
        // one of the two always sees the other.
        if (stopping) {
            opening.wakeup();
        }
        try {
            int cores = Runtime.getRuntime().availableProcessors();
            opening.open(settings, frameRate -> settings.decoderThreads(cameras, cores, frameRate));
        } catch (RetriableException | UnrecoverableException | RuntimeException e) {
            input = null;
            if (e instanceof RetriableException && settings.isFile() && !opening.wokenUp() && !opening.timedOut()) {
                throw new UnrecoverableException(e.getMessage(), e); // a slow mount (timed out) may be ready later
            }
            throw e;
        }
        if (pacer != null) {
            pacer.reset();
        }
    }

    @Override
    public void wakeup() {
        stopping = true;
        VideoInput current = input;
        if (current != null) {
            current.wakeup();
        }
    }

    @Override
    public void close() {
        VideoInput current = input;
        input = null;
        if (current != null) {
            current.close();
        }
        if (encoder != null) {
            encoder.close();
            encoder = null;
        }
    }

    /**
     * A camera that stops is an outage; a file that ends is read again, or finishes the node. A
     * file that cannot be read on (cut short, damaged) has ended there: read from its start again,
     * it would publish the same frames over and over.
     */
    private void endOfInput(VideoInput current) throws RetriableException, UnrecoverableException, EndOfInputException {
        if (current.wokenUp()) {
            return;
        }
        boolean damaged = !current.ended() && settings.isFile() && !current.timedOut();
        if (settings.isNetwork() || !current.ended() && !damaged) {
            throw new RetriableException(current.safeUrl() + " " + current.endReason());
        }
        if (damaged && !warnedDamaged) { // once: with loop, each pass comes to the same place
            warnedDamaged = true;
            context.logger().warn("{} {}: taken as its end", current.safeUrl(), current.endReason());
        }
        if (!settings.loop()) {
            throw new EndOfInputException(current.safeUrl() + (damaged ? " ended where it cannot be read on" : " ended"));
        }
        input = null;
        current.close();
        openInput();
    }

    /** Counts a video packet the decoder could not decode, which the input skipped; said every ten seconds at most. */
    private void skippedUndecodable(String reason) {
        undecodable.increment();
        long skipped = undecodableLines.occurred();
        if (skipped > 0) {
            context.logger().warn("skipped {} video packet(s) that cannot be decoded; the latest: {}", skipped, reason);
        }
    }

    /** {@code max-frame-rate}: whether a frame arriving now may be offered for publishing. */
    private boolean offerAllowed(long now) {
        if (minOfferIntervalNanos == 0) {
            return true;
        }
        if (now - nextOfferNanos < 0 && nextOfferNanos != Long.MIN_VALUE) {
            return false;
        }
        // Catch up by at most one interval, so jitter does not lower the rate.
        long base = nextOfferNanos == Long.MIN_VALUE ? now : Math.max(nextOfferNanos, now - minOfferIntervalNanos);
        nextOfferNanos = base + minOfferIntervalNanos;
        return true;
    }
}
