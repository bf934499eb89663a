package org.msight.api;

import java.util.concurrent.CompletionStage;
import org.msight.api.data.SensorData;

/**
 * A sink that delivers over a network without a thread per message (an HTTP uploader, an MQTT
 * or S3 writer): it starts each delivery and reports its outcome later. The runtime owns
 * everything around the sending, the same for every such sink, set in the node's block
 * ({@code max-in-flight}, {@code retries}, {@code retry-backoff}, {@code attempt-timeout},
 * {@code spool}; see the README). Its provider says so with {@link NodeProvider#kind()}
 * {@link NodeKind#SINK} and {@link NodeProvider#asynchronous()} {@code true}.
 *
 * <p>The lifecycle, beyond {@link Node}'s:
 * <ol>
 *   <li>{@link #open()} builds the client; it may throw {@link RetriableException} like any node.</li>
 *   <li>{@link #send} is called once per attempt, from any runtime thread, with at most
 *       {@code max-in-flight} attempts under way at once. It starts the attempt and returns at
 *       once, without blocking on the network. One that throws {@link OutOfMemoryError} (no room
 *       for the request's body) made no attempt: it is called again after the backoff, spending
 *       none of the {@code retries}, and the message is given up after {@code attempt-timeout}.
 *       Any other exception it throws, or error of a bug (an {@link AssertionError}), fails the
 *       attempt as if its stage had completed with it.</li>
 *   <li>The stage completes normally when the destination holds the message. It completes
 *       exceptionally with a {@link RetriableException} when the destination is unavailable or
 *       busy (a connection error, a 503), with a {@link RetryAfterException} when it said when to
 *       come back, and with any other exception when the message itself was refused (a 400):
 *       that message is counted as {@code failed}, logged once (an {@link IllegalStateException}
 *       by its message alone) and not tried again.</li>
 *   <li>Each attempt has a deadline ({@code attempt-timeout}) for the whole exchange. When it
 *       passes, the runtime cancels the stage's {@link java.util.concurrent.CompletableFuture};
 *       the sink should then abort the attempt and free what it holds (close the exchange).
 *       The attempt counts as {@code timeouts} and is retried like a retriable failure.</li>
 *   <li>Retriable failures are tried again after a jittered backoff, up to {@code retries};
 *       then the message is given up ({@code failed}), or with a {@code spool} stored on disk and
 *       sent in order when the destination is back.</li>
 *   <li>At shutdown the runtime waits, within the drain time, for attempts under way (not for
 *       a retry due after it, whose message is abandoned at once), then calls {@link #close()},
 *       which must also end attempts still under way.</li>
 * </ol>
 */
public interface AsyncSinkNode extends Node {

    /**
     * The most attempts under way a node may be set to ({@code max-in-flight}): each holds a
     * connection and a body, and a stalled destination keeps them all.
     */
    int MAX_IN_FLIGHT = 256;

    /**
     * Starts one attempt to deliver {@code data}; see the lifecycle above. A retry calls this
     * again with the same message.
     *
     * @return a stage that completes when the attempt is over; exceptionally on failure
     */
    CompletionStage<Void> send(SensorData data);
}
