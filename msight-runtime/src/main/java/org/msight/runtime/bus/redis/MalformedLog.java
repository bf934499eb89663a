package org.msight.runtime.bus.redis;

import java.util.HashMap;
import java.util.Map;
import org.msight.api.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs skipped malformed messages at most once per interval and topic, with how many were skipped. */
final class MalformedLog {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);

    private final long intervalNanos;
    private final Map<String, long[]> byTopic = new HashMap<>(); // topic -> {last log time, skipped since}

    MalformedLog(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** Notes one skipped message; called from one thread. */
    void skipped(String topic, String reason) {
        long now = System.nanoTime();
        long[] state = byTopic.computeIfAbsent(topic, t -> new long[] {now - intervalNanos, 0});
        state[1]++;
        if (now - state[0] >= intervalNanos) {
            LOG.warn("Skipped {} malformed message(s) on topic '{}'; latest: {}", state[1], topic, LogSafe.text(reason));
            state[0] = now;
            state[1] = 0;
        }
    }
}
