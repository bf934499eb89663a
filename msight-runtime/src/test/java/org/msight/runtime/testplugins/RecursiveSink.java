package org.msight.runtime.testplugins;

/** Test node type provider whose {@code type()} overflows the stack, as an endless recursion does. */
public final class RecursiveSink extends PluginSink {

    public RecursiveSink() {
        super("recursive-sink");
    }

    @Override
    public String type() {
        throw new StackOverflowError();
    }
}
