package org.msight.runtime.cli.launch;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.msight.runtime.cli.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code msight_launch_rtsp}: MSight's RTSP receiver launcher, same flags. */
@Command(name = "msight_launch_rtsp", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = Version.class,
        description = "Receives an RTSP camera and publishes its frames as JPEG images to a topic (on the bus"
                + " MSIGHT_PUBSUB_BACKEND names: redis, nats or kafka),"
                + " as MSight's msight_launch_rtsp does.")
public final class LaunchRtsp implements Callable<Integer> {

    @Mixin
    LauncherOptions options;

    @Option(names = {"-pt", "--publish-topic"}, required = true, description = "Topic to publish images to.")
    String publishTopic;

    @Option(names = {"-sn", "--sensor-name"}, required = true, description = "Sensor name in every message.")
    String sensorName;

    @Option(names = {"-u", "--url"}, required = true, description = "Camera URL (rtsp://...).")
    String url;

    @Option(names = {"-r", "--resize-ratio"}, description = "Scale frames by this ratio before encoding (default 1).")
    Double resizeRatio;

    @Option(names = "--rtsp-transport", defaultValue = "tcp", description = "tcp or udp (default: ${DEFAULT-VALUE}).")
    String rtspTransport;

    @Override
    public Integer call() {
        Map<String, Object> node = options.nodeBlock("rtsp-receiver", "RTSPSourceNode");
        node.put("publish-topic", publishTopic);
        node.put("sensor-name", sensorName);
        node.put("url", url);
        node.put("rtsp-transport", rtspTransport);
        if (resizeRatio != null) {
            node.put("resize-ratio", resizeRatio);
        }
        return Launcher.run("msight_launch_rtsp", options, 60, node, Map.of("publish-topic", "-pt/--publish-topic",
                "sensor-name", "-sn/--sensor-name", "url", "-u/--url", "rtsp-transport", "--rtsp-transport",
                "resize-ratio", "-r/--resize-ratio"), Duration.ZERO);
    }

    public static void main(String[] args) {
        System.exit(Launcher.commandLine(new LaunchRtsp()).execute(Launcher.withRenamedFlags(args)));
    }
}
