package org.msight.runtime.node;

import org.msight.api.Backoff;
import org.msight.api.NodeKind;
import org.msight.api.SourceNode;
import org.slf4j.Logger;

/** Runs a source: polls until stopped; a stop wakes a blocking poll. */
public final class SourceRunner extends NodeRunner {

    private final SourceNode source;

    public SourceRunner(String name, SourceNode source, Logger log, NodeStats stats, ClassLoader loader,
            Backoff backoff) {
        super(name, source, log, stats, loader, backoff);
        this.source = source;
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SOURCE;
    }

    /** Also wakes a blocking poll; a wakeup that throws (a plugin's bug) is said, and the stop goes on. */
    @Override
    public void requestStop() {
        super.requestStop();
        try {
            source.wakeup();
        } catch (Exception | Error e) { // a plugin's bug (its socket still null during an outage): the stop goes on
            log.warn("wakeup failed: {}; the source stops once its current poll returns", describe(e));
        }
    }

    @Override
    protected boolean isDone() {
        return stopRequested();
    }

    @Override
    protected boolean step() throws Exception {
        stats().handling("poll");
        try {
            source.poll();
        } finally {
            stats().handled();
        }
        return true;
    }
}
