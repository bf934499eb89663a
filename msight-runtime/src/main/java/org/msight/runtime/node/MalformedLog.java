package org.msight.runtime.node;

import org.msight.api.LogSafe;
import org.slf4j.Logger;

/** Logs a node's skipped malformed messages at most once per interval, with how many were skipped. */
final class MalformedLog {

    private final Logger log;
    private final long intervalNanos;
    private long lastLogNanos;
    private long skipped;

    MalformedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.lastLogNanos = System.nanoTime() - intervalNanos;
    }

    /** Notes one skipped message; called from the node's thread. */
    void skipped(String topic, String reason) {
        long now = System.nanoTime();
        skipped++;
        if (now - lastLogNanos >= intervalNanos) {
            log.warn("Skipped {} malformed message(s) on topic '{}'; latest: {}", skipped, topic, LogSafe.text(reason));
            lastLogNanos = now;
            skipped = 0;
        }
    }
}
