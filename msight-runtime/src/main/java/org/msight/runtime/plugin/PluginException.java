package org.msight.runtime.plugin;

/**
 * A plugin that cannot be loaded, or a plugin folder that cannot be read; the message says why.
 * One about a plugin on the plugin path does not name it: {@link Plugins.BrokenPlugin} does.
 */
public class PluginException extends Exception {

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
