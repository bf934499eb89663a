package org.msight.runtime.testplugins;

/** Test node type {@code argument-sink}, a plugin author's mistake: ServiceLoader cannot create its provider. */
public final class ArgumentSink extends PluginSink {

    public ArgumentSink(String type) {
        super(type);
    }
}
