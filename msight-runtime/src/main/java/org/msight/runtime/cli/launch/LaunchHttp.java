package org.msight.runtime.cli.launch;

import java.util.Map;
import java.util.concurrent.Callable;
import org.msight.runtime.cli.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
            description = "Seconds to wait before starting (default: ${DEFAULT-VALUE}).")
    double waitSeconds;

    @Option(names = "--shards", defaultValue = "1",
            description = "Partition keys per sensor in sensor_name mode (default: ${DEFAULT-VALUE}).")
    int shards;

    @Override
    public Integer call() {
        Map<String, Object> node = options.subscriberBlock("http-uploader", "HttpSinkNode");
        node.put("subscribe-topic", subscribeTopic);
        node.put("url", url);
        node.put("partition-key-mode", partitionKeyMode);
        LauncherOptions.putSeconds(node, "wait", waitSeconds);
        node.put("shards", shards);
        return Launcher.run("msight_launch_http", options, -1, node, Map.of("subscribe-topic", "-st/--subscribe-topic",
                "url", "-u/--url", "partition-key-mode", "--partition-key-mode", "wait", "-w/--wait",
                "shards", "--shards"));
    }

    public static void main(String[] args) {
        System.exit(Launcher.commandLine(new LaunchHttp()).execute(Launcher.withRenamedFlags(args)));
    }
}
