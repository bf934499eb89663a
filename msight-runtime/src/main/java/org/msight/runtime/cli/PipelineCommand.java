package org.msight.runtime.cli;

import com.typesafe.config.ConfigException;
import org.msight.runtime.Pipeline;
import org.msight.runtime.Runtime;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.bus.redis.RedisAccessException;
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
        Runtime.Loaded loaded;
        try {
            loaded = source.load(runtime);
        } catch (PipelineConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return USAGE;
        } catch (PluginException e) {
            System.err.println("error: " + e.getMessage());
            return USAGE;
        }
        if (checkOnly) {
            loaded.spec().warnings().forEach(w -> System.err.println("warning: " + w));
            System.out.print(Topology.describe(loaded.spec()));
            return 0;
        }
        Logger log = LoggerFactory.getLogger("msight.runtime");
        loaded.spec().warnings().forEach(w -> log.warn("{}", w));
        Pipeline pipeline;
        try {
            pipeline = loaded.create();
            pipeline.start();
        } catch (PipelineConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return USAGE;
        } catch (DuplicateNodeException | RedisAccessException | ConfigException e) {
            log.error("{}", e.getMessage());
            return USAGE;
        }
        return runUntilSignal(pipeline, log);
    }

    private static int runUntilSignal(Pipeline pipeline, Logger log) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> {
                log.info("SIG{} received: stopping", signal.getName());
                pipeline.requestStop();
            });
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
