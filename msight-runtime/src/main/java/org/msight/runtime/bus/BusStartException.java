package org.msight.runtime.bus;

/**
 * A bus could not start: its server refuses the settings (credentials, TLS files). The message
 * is one line for the user, naming the bus and what to fix: print it, no stack trace needed.
 */
public final class BusStartException extends RuntimeException {

    public BusStartException(String bus, String message) {
        super("bus '" + bus + "': " + message);
    }
}
