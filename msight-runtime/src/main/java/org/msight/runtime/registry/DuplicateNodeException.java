package org.msight.runtime.registry;

/** A live node of the same name is registered already; the message says which and what to do. */
public final class DuplicateNodeException extends RuntimeException {

    private final NodeRecord existing;

    /** @param existing the live entry */
    public DuplicateNodeException(NodeRecord existing, double now) {
        super(String.format("A node named '%s' is already running (device %s, status %s, last heartbeat %.1f s ago):"
                + " stop it, or give this node another name", existing.name(), existing.device(), existing.status(),
                Math.max(0, now - existing.lastHeartbeat())));
        this.existing = existing;
    }

    /** The live entry that is in the way. */
    public NodeRecord existing() {
        return existing;
    }
}
