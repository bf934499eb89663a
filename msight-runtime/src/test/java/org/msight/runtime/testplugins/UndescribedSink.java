package org.msight.runtime.testplugins;

/** Test node type {@code undescribed-sink}, a plugin's bug: its description throws. */
public final class UndescribedSink extends PluginSink {

    public UndescribedSink() {
        super("undescribed-sink");
    }

    @Override
    public String description() {
        throw new IllegalStateException("test: no description");
    }
}
