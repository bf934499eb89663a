package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.msight.api.RetriableException;
import org.msight.api.SourceNode;
import org.msight.testkit.TestNodeContext;

/**
 * Test-only stand-in for the runtime's source loop: open, poll until stopped, and on a
 * {@link RetriableException} close, wait with the node's restart-backoff and open again.
 * Keeps the outage messages so tests can check them.
 */
final class NodeLoop implements AutoCloseable {

    private final SourceNode node;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final List<String> outages = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    private NodeLoop(SourceNode node, TestNodeContext context) {
        this.node = node;
        this.initialBackoff = context.config().getDuration("restart-backoff.initial");
        this.maxBackoff = context.config().getDuration("restart-backoff.max");
        this.thread = new Thread(this::run, "node-loop");
    }

    /** Creates the node through its provider and runs it on a thread of its own. */
    static NodeLoop start(TestNodeContext context) {
        NodeLoop loop = new NodeLoop((SourceNode) new RtspReceiverProvider().create(context), context);
        loop.thread.start();
        return loop;
    }

    /** Messages of the outages so far, one per outage however many retries it took. */
    List<String> outages() {
        return outages;
    }

    /** Waits until there were {@code count} outages, failing after {@code timeout}. */
    List<String> awaitOutages(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (outages.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(outages).as("outages within %s", timeout).hasSize(count);
        return outages;
    }

    private void run() {
        Duration backoff = initialBackoff;
        boolean inOutage = false;
        try {
            while (running) {
                try {
                    node.open();
                    while (running) {
                        node.poll();
                        inOutage = false;
                        backoff = initialBackoff;
                    }
                } catch (RetriableException e) {
                    if (!inOutage) {
                        outages.add(e.getMessage());
                        inOutage = true;
                    }
                    node.close();
                    Thread.sleep(backoff.toMillis());
                    backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
                }
            }
        } catch (Throwable e) {
            failure = e;
        }
    }

    /** Stops the node as the runtime does (wakeup, then close) and rethrows what the loop hit. */
    @Override
    public void close() throws Exception {
        running = false;
        node.wakeup();
        thread.join(5_000);
        node.close();
        if (thread.isAlive()) {
            throw new AssertionError("the node did not stop within 5 s of wakeup()");
        }
        if (failure != null) {
            throw new AssertionError("the node failed", failure);
        }
    }
}
