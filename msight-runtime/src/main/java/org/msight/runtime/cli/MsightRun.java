package org.msight.runtime.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.msight.api.LogSafe;
import org.msight.runtime.PipelineFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code msight-run}: runs a pipeline file, checks it, or lists the node types. */
@Command(name = "msight-run", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Runs the nodes of a HOCON pipeline file until SIGINT or SIGTERM.",
        subcommands = {PluginsCommand.class, StatusCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (or --check passed, or every source finished)",
                "1:a node did not stop in time (queued messages not handled), a bus did not close within 10 s,"
                        + " a node stopped for good (at once"
                        + " when no node is left running or every source has ended, else at the stop), the"
                        + " registry's entry was taken or Redis refused its heartbeat's writes beyond the tolerance"
                        + " (Redis unreachable or refusing reads too is no failure), or an internal error",
                "2:bad command line, pipeline file or plugin, or a server that cannot take the nodes at start"})
public final class MsightRun implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "PIPELINE", description = "The pipeline file (HOCON).")
    Path pipeline;

    @Option(names = "--check", description = "Validate the file, print the topology, and exit.")
    boolean check;

    @Option(names = "--json", description = "With --check: print the topology as JSON (nodes in file order, topics).")
    boolean json;

    @Option(names = "--plugin-path", paramLabel = "DIR",
            description = "A folder of plugins, in addition to msight.plugin-path and the distribution's plugins/.")
    List<Path> pluginPath = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (pipeline == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'PIPELINE'");
        }
        if (json && !check) {
            throw new ParameterException(spec.commandLine(), "--json goes with --check");
        }
        PipelineCommand.Mode mode = !check ? PipelineCommand.Mode.RUN
                : json ? PipelineCommand.Mode.CHECK_JSON : PipelineCommand.Mode.CHECK;
        return PipelineCommand.run(new PipelineFactory(pluginPath), factory -> factory.load(pipeline), mode,
                Duration.ZERO);
    }

    /**
     * Runs a pipeline from another command (the MSight launchers) until SIGINT or SIGTERM, after
     * {@code wait} (zero for none) during which nothing registers or subscribes; a signal ends it.
     */
    public static int runPipeline(PipelineFactory factory, PipelineCommand.Source source, Duration wait) {
        return PipelineCommand.run(factory, source, PipelineCommand.Mode.RUN, wait);
    }

    public static void main(String[] args) {
        System.exit(commandLine(new MsightRun()).execute(args));
    }

    /** A picocli command line with MSight's exit codes: 2 for usage errors. */
    public static CommandLine commandLine(Object command) {
        CommandLine line = new CommandLine(command);
        // "--plugin-path plugins" names a folder, not the plugins command
        line.setAllowSubcommandsAsOptionParameters(true);
        line.setExitCodeExceptionMapper(e -> 1);
        return line.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("error: " + LogSafe.text(message(e))); // quotes arguments: a camera's url
            CommandLine.UnmatchedArgumentException.printSuggestions(e, failed.getErr());
            failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for the options.");
            return 2;
        });
    }

    /**
     * Picocli's message, but for unknown options, which are named without what follows them:
     * picocli quotes {@code --tokn SECRET} and {@code --tokn=SECRET} whole, and the value of a
     * misspelt option is as likely a token as anything. An option is named by {@code --} or is
     * {@code -x}: a longer word after a single dash ({@code --tokn -Xy7...}) may be a token too.
     */
    private static String message(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched) || !unmatched.isUnknownOption()) {
            return e.getMessage();
        }
        List<String> options = unmatched.getUnmatched().stream()
                .filter(argument -> argument.startsWith("--") || argument.length() == 2 && argument.startsWith("-"))
                .map(option -> option.replaceFirst("=.*", "")).toList();
        return (options.size() == 1 ? "Unknown option: '" : "Unknown options: '") + String.join("', '", options) + "'"
                + (options.equals(unmatched.getUnmatched()) ? "" : " (the values given are not shown)");
    }
}
