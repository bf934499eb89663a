package org.msight.runtime.plugin;

/** A plugin that cannot be loaded; the message names it and says why. */
public class PluginException extends Exception {

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
