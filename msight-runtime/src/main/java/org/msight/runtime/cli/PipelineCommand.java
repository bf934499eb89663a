package org.msight.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.msight.runtime.Pipeline;
import org.msight.redis.RedisAccessException;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.bus.BusStartException;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.config.TopologyDescription;
import org.msight.runtime.http.HttpEndpoint;
import org.msight.runtime.http.HttpSettings;
import org.msight.runtime.logging.Logging;
import org.msight.runtime.plugin.PluginException;
import org.msight.runtime.registry.DuplicateNodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * What every command that runs a pipeline shares: load it, report problems with exit code 2,
 * print it for {@code --check}, or run it until SIGINT or SIGTERM (or until its sources have
 * finished) and stop it in order, serving the HTTP endpoint meanwhile.
 */
public final class PipelineCommand {

    /** Exit code for a bad command line, pipeline file or plugin. */
    static final int USAGE = 2;

    /** How a command gets its pipeline. */
    @FunctionalInterface
    public interface Source {
        PipelineFactory.Loaded load(PipelineFactory factory) throws PipelineConfigException, PluginException;
    }

    private PipelineCommand() {
    }

    /** What a run does: run the pipeline, or check it and print its topology as text or JSON. */
    enum Mode { RUN, CHECK, CHECK_JSON }

    static int run(PipelineFactory factory, Source source, Mode mode) {
        if (mode != Mode.RUN) {
            Logging.consoleToStandardError(); // standard output is the topology
        }
        try {
            PipelineFactory.Loaded loaded = source.load(factory);
            Logging.configure(loaded.spec().deviceName(), loaded.spec().msight().getString("logging-level"),
                    mode == Mode.RUN ? loaded.logOutput() : null);
            if (mode != Mode.RUN) {
                loaded.check();
                warnings(loaded).forEach(w -> System.err.println("warning: " + w));
                TopologyDescription topology = TopologyDescription.of(loaded.spec());
                System.out.print(mode == Mode.CHECK_JSON ? topology.toJson() : topology.toText());
                return 0;
            }
            Logging.writeInBackground(); // an output that stops taking lines must not stall the nodes
            try {
                return runUntilSignal(loaded);
            } finally {
                Logging.writeInForeground();
            }
        } catch (PipelineConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return USAGE;
        } catch (PluginException e) {
            System.err.println("error: " + e.getMessage());
            return USAGE;
        }
    }

    /** The plugins that did not load, then what looks wrong in the file. */
    private static List<Object> warnings(PipelineFactory.Loaded loaded) {
        List<Object> warnings = new ArrayList<>(loaded.plugins().broken());
        warnings.addAll(loaded.spec().warnings());
        return warnings;
    }

    /**
     * Creates and starts the pipeline, then waits for SIGINT, SIGTERM or a failure and stops it.
     * The signal handlers come first, so a signal during start still stops the pipeline in order:
     * it ends the start's waits (a bus's for its server), and the run, with exit code 0.
     */
    private static int runUntilSignal(PipelineFactory.Loaded loaded) throws PipelineConfigException {
        Logger log = LoggerFactory.getLogger("msight.runtime");
        warnings(loaded).forEach(w -> log.warn("{}", w));
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
        HttpSettings http = loaded.httpSettings();
        HttpEndpoint endpoint = null;
        try {
            Pipeline pipeline = loaded.create();
            running.set(pipeline);
            if (signalled.get()) {
                pipeline.requestStop();
            }
            // The endpoint first: /ready says which nodes are still opening.
            endpoint = http.enabled() ? HttpEndpoint.start(http, pipeline) : null;
            pipeline.start();
            pipeline.awaitStopRequest();
            return pipeline.stop() ? 0 : 1;
        } catch (DuplicateNodeException | RedisAccessException | BusStartException e) {
            log.error("{}", e.getMessage());
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
        }
    }
}
