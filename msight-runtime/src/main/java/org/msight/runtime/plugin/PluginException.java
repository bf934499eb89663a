package org.msight.runtime.plugin;

/** A plugin that cannot be loaded; the message names it and says why. */
public final class PluginException extends Exception {

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
