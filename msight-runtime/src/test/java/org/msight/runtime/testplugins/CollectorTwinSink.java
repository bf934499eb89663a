package org.msight.runtime.testplugins;

/** Test node type {@code test-collector} of a plugin jar: the name of a type on the test's class path. */
public final class CollectorTwinSink extends PluginSink {

    public CollectorTwinSink() {
        super("test-collector");
    }
}
