package org.msight.runtime.testplugins;

/** Test node type {@code unlicensed-sink}, whose provider's constructor fails, as one that finds no licence. */
public final class UnlicensedSink extends PluginSink {

    public UnlicensedSink() {
        super("unlicensed-sink");
        throw new IllegalStateException("no licence file at /etc/unlicensed.lic");
    }
}
