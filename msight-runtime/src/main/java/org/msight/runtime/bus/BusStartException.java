package org.msight.runtime.bus;

import org.msight.api.Secrets;
import org.msight.runtime.config.ConfigProblem;

/**
 * A bus could not start: its server refuses the settings (credentials, TLS files), or the bus
 * finds a setting it cannot use only when it starts. The message is one line for the user, naming
 * the bus or the setting and what to fix: print it, no stack trace needed.
 */
public final class BusStartException extends RuntimeException {

    public BusStartException(String bus, String message) {
        super("bus '" + bus + "': " + Secrets.redactUrl(message));
    }

    /** A setting the bus cannot use, found when it started. */
    public BusStartException(ConfigProblem problem) {
        super(problem.toString());
    }
}
