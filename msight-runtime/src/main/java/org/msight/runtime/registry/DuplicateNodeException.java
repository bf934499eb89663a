package org.msight.runtime.registry;

import java.util.Locale;
import org.msight.api.LogSafe;

/**
 * The name is held in {@code MSIGHT:NODES} by an entry this node may not take: the message says
 * whose it is, why it is kept, and what to do.
 */
public final class DuplicateNodeException extends RuntimeException {

    /**
     * @param existing the entry holding the name, or {@code null} when it is not readable JSON
     * @param name the name asked for
     * @param now POSIX seconds now, to say how old its heartbeat is
     */
    public DuplicateNodeException(String name, NodeRecord existing, double now) {
        super(message(name, existing, now));
    }

    private static String message(String name, NodeRecord existing, double now) {
        String replace = " or replace its entry with --take-over (msight.registry.replace = true) if you know it is dead";
        if (existing == null) {
            return "The name '" + name + "' is held in " + NodeRegistry.NODES + " by an entry that is not MSight's JSON:"
                    + " give this node another name," + replace;
        }
        String seen = String.format(Locale.ROOT, "type %s, device %s, status %s, last heartbeat %.1f s ago",
                LogSafe.text(existing.type()), LogSafe.text(existing.device()), existing.status(),
                Math.max(0, now - existing.lastHeartbeat()));
        if (existing.writtenByThisRuntime()) {
            return String.format(Locale.ROOT, "A node named '%s' is already running (%s; this runtime's nodes beat"
                    + " every interval, so it is live until its heartbeat is %.0f s old): stop it, give this node"
                    + " another name,%s", name, seen, existing.staleAfter(), replace);
        }
        return "A node named '" + name + "' is registered by another program, such as Python MSight (" + seen
                + "). MSight refreshes its heartbeat only as messages flow, so an old one does not prove it dead,"
                + " and taking its name would make it stop itself: stop it, give this node another name," + replace;
    }
}
