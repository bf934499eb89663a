package org.msight.runtime.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.msight.runtime.Pipeline;
import org.msight.runtime.Runtime;
import org.msight.runtime.bus.BusStartException;
import org.msight.redis.RedisAccessException;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.plugin.PluginException;
import org.msight.runtime.registry.DuplicateNodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * What every command that runs a pipeline shares: load it, report problems with exit code 2,
 * print it for {@code --check}, or run it until SIGINT or SIGTERM and stop it in order.
 */
public final class PipelineCommand {

    /** Exit code for a bad command line, pipeline file or plugin. */
    static final int USAGE = 2;

    /** How a command gets its pipeline. */
    @FunctionalInterface
    public interface Source {
        Runtime.Loaded load(Runtime runtime) throws PipelineConfigException, PluginException;
    }

    private PipelineCommand() {
    }

    static int run(Runtime runtime, Source source, boolean checkOnly) {
        try {
            Runtime.Loaded loaded = source.load(runtime);
            if (checkOnly) {
                loaded.check();
                loaded.spec().warnings().forEach(w -> System.err.println("warning: " + w));
                System.out.print(Topology.describe(loaded.spec()));
                return 0;
            }
            return runUntilSignal(loaded);
        } catch (PipelineConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return USAGE;
        } catch (PluginException e) {
            System.err.println("error: " + e.getMessage());
            return USAGE;
        }
    }

    /**
     * Creates and starts the pipeline, then waits for SIGINT, SIGTERM or a failure and stops it.
     * The signal handlers come first, so a signal during start still stops the pipeline in order.
     */
    private static int runUntilSignal(Runtime.Loaded loaded) throws PipelineConfigException {
        Logger log = LoggerFactory.getLogger("msight.runtime");
        loaded.spec().warnings().forEach(w -> log.warn("{}", w));
        AtomicReference<Pipeline> running = new AtomicReference<>();
        AtomicBoolean signalled = new AtomicBoolean();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> {
                log.info("SIG{} received: stopping", signal.getName());
                signalled.set(true);
                Pipeline pipeline = running.get();
                if (pipeline != null) {
                    pipeline.requestStop();
                }
            });
        }
        Pipeline pipeline;
        try {
            pipeline = loaded.create();
            running.set(pipeline);
            if (signalled.get()) {
                pipeline.requestStop();
            }
            pipeline.start();
        } catch (DuplicateNodeException | RedisAccessException | BusStartException e) {
            log.error("{}", e.getMessage());
            return USAGE;
        }
        try {
            pipeline.awaitStopRequest();
            return pipeline.stop() ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
