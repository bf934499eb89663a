package org.msight.runtime.registry;

import java.util.Locale;
import org.msight.api.LogSafe;

/** A live node of the same name is registered already; the message says which and what to do. */
public final class DuplicateNodeException extends RuntimeException {

    /**
     * @param existing the live entry
     * @param now POSIX seconds now, to say how old its heartbeat is
     */
    public DuplicateNodeException(NodeRecord existing, double now) {
        super(String.format(Locale.ROOT, "A node named '%s' is already running (device %s, status %s, last"
                + " heartbeat %.1f s ago): stop it, or give this node another name", existing.name(), LogSafe.text(existing.device()), existing.status(),
                Math.max(0, now - existing.lastHeartbeat())));
    }
}
