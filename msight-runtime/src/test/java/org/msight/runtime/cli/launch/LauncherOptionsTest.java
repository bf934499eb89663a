package org.msight.runtime.cli.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msight.runtime.cli.MsightRun;
import picocli.CommandLine;

/** MSight's heartbeat flags and defaults, as the launchers turn them into the msight block. */
class LauncherOptionsTest {

    private static final String[] HTTP = {"-st", "t", "-n", "up", "-u", "http://127.0.0.1:1/"};

    private static LaunchHttp http(String... flags) {
        LaunchHttp launcher = new LaunchHttp();
        String[] args = new String[HTTP.length + flags.length];
        System.arraycopy(HTTP, 0, args, 0, HTTP.length);
        System.arraycopy(flags, 0, args, HTTP.length, flags.length);
        new CommandLine(launcher).parseArgs(args);
        return launcher;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> registry(Map<String, Object> msight) {
        return (Map<String, Object>) msight.get("registry");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> heartbeat(Map<String, Object> registry) {
        return (Map<String, Object>) registry.get("heartbeat");
    }

    @Test
    void msightsDefaultsAreStopAndTheToleranceOfTheNodesKind() {
        Map<String, Object> registry = registry(http().options.runtimeBlock("redis", -1));
        assertThat(registry).containsEntry("replace", false);
        assertThat(heartbeat(registry)).containsEntry("tolerance", "0.0s")
                .containsEntry("checking-duration", "15.0s").containsEntry("action-on-error", "stop")
                .doesNotContainKey("update-interval");
        assertThat(heartbeat(registry(http().options.runtimeBlock("redis", 60))))
                .containsEntry("tolerance", "60.0s");
    }

    @Test
    void msightsFlagsAreTakenAndTheIterationCountIsAcceptedNotMadeATimer() {
        Map<String, Object> registry = registry(http("--heartbeat-tolerance", "0", "--heartbeat-update-interval", "10",
                "--action-on-error", "continue", "--take-over", "--logging-level", "FATAL").options.runtimeBlock("redis", -1));
        assertThat(registry).containsEntry("replace", true);
        assertThat(heartbeat(registry)).containsEntry("tolerance", "0.0s")
                .containsEntry("action-on-error", "continue").doesNotContainKey("update-interval");
    }

    /** MSight takes any number of seconds: 0 or less turns the check off, hours are hours. */
    @Test
    void anyToleranceMSightTakesIsTaken() {
        assertThat(heartbeat(registry(http("--heartbeat-tolerance", "-5000").options.runtimeBlock("redis", 60))))
                .containsEntry("tolerance", "0.0s");
        assertThat(heartbeat(registry(http("--heartbeat-tolerance", "7200", "--heartbeat-checking-duration", "7200")
                .options.runtimeBlock("redis", 60)))).containsEntry("tolerance", "7200.0s")
                .containsEntry("checking-duration", "7200.0s");
    }

    /** As argparse: a long option's unique prefix, and the last of a repeated option. */
    @Test
    void msightsCommandLinesWithAbbreviatedOrRepeatedOptionsAreTaken() {
        LaunchHttp http = new LaunchHttp();
        Launcher.commandLine(http).parseArgs("-st", "t", "-n", "up", "--url", "http://127.0.0.1:1/a", "--partition",
                "sensor_name", "--shard", "3", "-u", "http://127.0.0.1:1/b");
        assertThat(http.partitionKeyMode).isEqualTo("sensor_name");
        assertThat(http.shards).isEqualTo(3);
        assertThat(http.url).isEqualTo("http://127.0.0.1:1/b");
        LaunchRtsp rtsp = new LaunchRtsp();
        Launcher.commandLine(rtsp).parseArgs("-n", "cam", "-u", "rtsp://127.0.0.1:1/x", "-pt", "t", "-sn", "s",
                "--sensor-name=q", "--rtsp-trans", "udp", "--re", "0.5");
        assertThat(rtsp.sensorName).isEqualTo("q");
        assertThat(rtsp.rtspTransport).isEqualTo("udp");
        assertThat(rtsp.resizeRatio).isEqualTo(0.5);
        assertThat(Launcher.withRenamedFlags(new String[] {"-n", "cam", "--replace", "--re", "0.5"}))
                .as("--take-over's earlier name, kept working").containsExactly("-n", "cam", "--take-over", "--re", "0.5");
    }

    /**
     * MSight's heartbeat Counter beats at every message for an interval of 0 and never for a
     * negative one, and its monitor checks without pause for a checking duration of 0: all taken.
     */
    @Test
    void msightsEdgeValuesOfTheHeartbeatFlagsAreTaken() {
        for (String interval : new String[] {"0", "-1"}) {
            assertThat(heartbeat(registry(http("--heartbeat-update-interval", interval, "--heartbeat-checking-duration",
                    "0").options.runtimeBlock("redis", 60)))).as(interval).containsEntry("checking-duration", "0.001s");
        }
        StringWriter err = new StringWriter();
        CommandLine line = MsightRun.commandLine(new LaunchHttp());
        line.setErr(new PrintWriter(err, true));
        int code = line.execute("-st", "t", "-n", "up", "-u", "http://127.0.0.1:1/", "--heartbeat-checking-duration",
                "-1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: --heartbeat-checking-duration must be 0 or more seconds, was -1.0");
    }

    /** MSight's time.sleep refuses a negative or NaN wait, and overflows for an infinite one: exit code 2 before anything runs. */
    @Test
    void aWaitThatIsNoNumberOfSecondsIsRefused() {
        for (String wait : new String[] {"-1", "NaN", "Infinity"}) {
            StringWriter err = new StringWriter();
            CommandLine line = MsightRun.commandLine(new LaunchHttp());
            line.setErr(new PrintWriter(err, true));
            assertThat(line.execute("-st", "t", "-n", "up", "-u", "http://127.0.0.1:1/", "-w", wait)).isEqualTo(2);
            assertThat(err.toString()).startsWith("error: -w/--wait must be 0 or more seconds, was ");
        }
    }
}
