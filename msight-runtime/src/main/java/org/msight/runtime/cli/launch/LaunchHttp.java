package org.msight.runtime.cli.launch;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.msight.runtime.cli.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code msight_launch_http}: MSight's HTTP uploader launcher, same flags. */
@Command(name = "msight_launch_http", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = Version.class,
        description = "Subscribes to a topic (on the bus MSIGHT_PUBSUB_BACKEND names: redis, nats or kafka) and POSTs each message as MSight JSON to a URL,"
                + " as MSight's msight_launch_http does.")
public final class LaunchHttp implements Callable<Integer> {

    @Mixin
    LauncherOptions options;

    @Option(names = {"-st", "--subscribe-topic"}, required = true, description = "Topic to upload messages from.")
    String subscribeTopic;

    @Option(names = {"-u", "--url"}, required = true, description = "URL to POST to.")
    String url;

    @Option(names = "--partition-key-mode", defaultValue = "random",
            description = "random or sensor_name (default: ${DEFAULT-VALUE}).")
    String partitionKeyMode;

    @Option(names = {"-w", "--wait"}, paramLabel = "SECONDS", defaultValue = "0",
            description = "Seconds to wait before starting, as MSight: the node registers and subscribes after it,"
                    + " so messages published meanwhile are not its own; SIGINT or SIGTERM ends it (default:"
                    + " ${DEFAULT-VALUE}).")
    double waitSeconds;

    @Option(names = "--shards", defaultValue = "1",
            description = "Partition keys per sensor in sensor_name mode (default: ${DEFAULT-VALUE}).")
    int shards;

    @Override
    public Integer call() {
        if (!(waitSeconds >= 0) || Double.isInfinite(waitSeconds)) { // NaN too
            throw new ParameterException(options.spec.commandLine(), "-w/--wait must be 0 or more seconds, was "
                    + waitSeconds);
        }
        Map<String, Object> node = options.subscriberBlock("http-uploader", "HttpSinkNode");
        node.put("subscribe-topic", subscribeTopic);
        node.put("url", url);
        node.put("partition-key-mode", partitionKeyMode);
        node.put("shards", shards);
        // not the node's own wait setting, which waits in its open(), registered and subscribed
        return Launcher.run("msight_launch_http", options, -1, node, Map.of("subscribe-topic", "-st/--subscribe-topic",
                "url", "-u/--url", "partition-key-mode", "--partition-key-mode", "shards", "--shards"),
                Duration.ofMillis(Math.round(waitSeconds * 1000)));
    }

    public static void main(String[] args) {
        System.exit(Launcher.commandLine(new LaunchHttp()).execute(Launcher.withRenamedFlags(args)));
    }
}
