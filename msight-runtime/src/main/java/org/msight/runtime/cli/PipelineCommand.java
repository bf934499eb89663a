package org.msight.runtime.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    /** @param wait how long a run waits before creating the pipeline (zero for none); see {@link #runUntilSignal} */
    static int run(PipelineFactory factory, Source source, Mode mode, Duration wait) {
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
                return runUntilSignal(loaded, wait);
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
     * Waits {@code wait}, then creates and starts the pipeline, then waits for SIGINT, SIGTERM or a
     * failure and stops it. Nothing reaches a server during the wait: no node registers or
     * subscribes, as in MSight's {@code msight_launch_http -w}, whose messages of the meantime are
     * not the node's; the HTTP endpoint serves meanwhile, alive and not ready. The signal handlers
     * come first, so a signal during the wait or the start still stops the run in order: it ends
     * the wait, or the start's waits (a bus's for its server), and the run, with exit code 0.
     */
    private static int runUntilSignal(PipelineFactory.Loaded loaded, Duration wait) throws PipelineConfigException {
        Logger log = LoggerFactory.getLogger("msight.runtime");
        warnings(loaded).forEach(w -> log.warn("{}", w));
        AtomicReference<Pipeline> running = new AtomicReference<>();
        CountDownLatch signalled = new CountDownLatch(1);
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> {
                log.info("SIG{} received: stopping", signal.getName());
                signalled.countDown();
                Pipeline pipeline = running.get();
                if (pipeline != null) {
                    pipeline.requestStop();
                }
            });
        }
        HttpSettings http = loaded.httpSettings();
        // The endpoint first: /health answers during the wait, /ready says which nodes are still opening.
        HttpEndpoint endpoint = http.enabled() ? HttpEndpoint.start(http, null) : null;
        try {
            if (!wait.isZero()) {
                log.info("waiting {} s before starting: no node registers or subscribes meanwhile",
                        wait.toMillis() / 1000.0);
                if (signalled.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.info("the stop came during the wait: the nodes of {} did not run", loaded.spec().file());
                    return 0;
                }
            }
            Pipeline pipeline = loaded.create();
            running.set(pipeline);
            if (signalled.getCount() == 0) {
                pipeline.requestStop();
            }
            if (endpoint != null) {
                endpoint.serve(pipeline);
            }
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
