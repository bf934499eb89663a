package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.FreePorts;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/** The distribution installed as on an edge box: symlinked commands, the systemd unit, the HTTP endpoint. */
class EdgeBoxIT {

    private static final Duration LIMIT = Waits.GENEROUS;
    private static final Pattern ENDPOINT = Pattern.compile("HTTP endpoint on (http://127\\.0\\.0\\.1:\\d+)/");

    @TempDir
    Path dir;

    @Test
    void everyCommandLinkedFromAnotherFolderRuns() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("usr-local-bin"));
        List<Path> commands;
        try (var listed = Files.list(Distribution.home().resolve("bin"))) {
            commands = listed.sorted().toList();
        }
        assertThat(commands).hasSize(6);
        for (Path command : commands) {
            Path link = Files.createSymbolicLink(bin.resolve(command.getFileName()), command);
            Tools.Output version = Tools.run(new ProcessBuilder(link.toString(), "--version").redirectErrorStream(true),
                    LIMIT);
            assertThat(version.exitCode()).as(link + ": " + version.text()).isZero();
            assertThat(version.text()).as(link.toString()).startsWith("MSight runtime");
        }
    }

    /** An operator on a box has the archive only: its README must not send them to the source tree. */
    @Test
    void theArchivesReadmeNamesOnlyWhatTheArchiveHolds() throws Exception {
        Path home = Distribution.home();
        String readme = Files.readString(home.resolve("README.md"));
        assertThat(home.resolve("REFERENCE.md")).exists();
        assertThat(readme).contains("bin/msight-run configs/quickstart.conf", "REFERENCE.md");
        Matcher named = Pattern.compile("(?<![\\w/.-])(?:/opt/msight/)?((?:bin|configs|systemd|plugins|sdk|lib)/[\\w@.-]+)")
                .matcher(readme);
        int count = 0;
        while (named.find()) {
            assertThat(home.resolve(named.group(1))).as(named.group()).exists();
            count++;
        }
        assertThat(count).isGreaterThan(5);
        Matcher block = Pattern.compile("(?s)```\n(.*?)```").matcher(readme);
        while (block.find()) {
            assertThat(block.group(1)).doesNotContain("scripts/", "mvn ", "target/");
        }
    }

    @Test
    void theSystemdUnitPassesSystemdAnalyzeVerify() throws Exception {
        Path analyze = Tools.require("systemd-analyze", "systemd");
        // A root as the README installs it: the unit in /etc, the commands in /opt/msight, and the
        // targets the unit refers to.
        Path root = dir.resolve("root");
        Path units = Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.copy(Distribution.home().resolve("systemd/msight@.service"), units.resolve("msight@.service"));
        Path bin = Files.createDirectories(root.resolve("opt/msight/bin"));
        Files.copy(Distribution.home().resolve("bin/msight-run"), bin.resolve("msight-run"));
        Files.setPosixFilePermissions(bin.resolve("msight-run"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path systemUnits = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
        for (String target : List.of("sysinit.target", "basic.target", "multi-user.target", "network-online.target",
                "network.target", "sockets.target", "paths.target", "timers.target", "slices.target",
                "local-fs.target", "swap.target", "shutdown.target", "umount.target")) {
            Files.copy(Path.of("/usr/lib/systemd/system", target), systemUnits.resolve(target));
        }
        Tools.Output verify = Tools.run(new ProcessBuilder(analyze.toString(), "verify", "--root=" + root,
                "msight@camera.service").redirectErrorStream(true), LIMIT);
        // verify exits 0 on unknown keys and bad values too, and prints them: nothing must be printed
        assertThat(verify.text()).isEmpty();
        assertThat(verify.exitCode()).isZero();
        assertThat(Files.readString(units.resolve("msight@.service")))
                .contains("ExecStart=/opt/msight/bin/msight-run /etc/msight/%i.conf", "User=msight",
                        "Restart=on-failure", "SuccessExitStatus=143", "SupplementaryGroups=video");
    }

    /**
     * The README's --check runs the pipeline file as the unit does: a plain one ran as the operator,
     * outside the unit's sandbox, and passed folders the unit could not write.
     */
    @Test
    void theReadmesCheckRunsAsTheUnitDoes() throws Exception {
        String readme = Files.readString(Distribution.home().resolve("README.md")).replace("\\\n", "");
        Matcher check = Pattern.compile("sudo systemd-run (.*) /opt/msight/bin/msight-run --check "
                + "/etc/msight/camera-north.conf").matcher(readme);
        assertThat(check.find()).as("the README's check").isTrue();
        String unit = Files.readString(Distribution.home().resolve("systemd/msight@.service"));
        for (String key : List.of("User", "Group", "SupplementaryGroups", "WorkingDirectory", "EnvironmentFile",
                "ProtectSystem", "ProtectHome", "PrivateTmp", "ReadWritePaths")) {
            Matcher set = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(unit);
            assertThat(set.find()).as("the unit's " + key).isTrue();
            assertThat(check.group(1)).contains("-p " + key + "=" + set.group(1).replace("%i", "camera-north"));
        }
    }

    @Test
    void theQuickstartServesMetricsHealthReadinessAndAPreview() throws Exception {
        Path conf = Files.writeString(dir.resolve("quickstart-http.conf"), """
                include file("%s")
                msight.http.port = 0
                """.formatted(Distribution.home().resolve("configs/quickstart.conf")));
        HttpClient client = HttpClient.newHttpClient();
        try (RunningCommand run = Distribution.start(dir.resolve("run.log"), Map.of(), "msight-run", conf.toString())) {
            run.awaitOutput("HTTP endpoint on http://127.0.0.1:", LIMIT);
            Matcher endpoint = ENDPOINT.matcher(run.output());
            assertThat(endpoint.find()).as(run.output()).isTrue();
            String base = endpoint.group(1);
            await().atMost(LIMIT).until(() -> get(client, base + "/ready").statusCode() == 200);
            assertThat(get(client, base + "/health").statusCode()).isEqualTo(200);
            assertThat(get(client, base + "/metrics").body()).contains("msight_node_out_total{node=\"camera\"}",
                    "msight_node_in_total{node=\"dumper\"}", "jvm_memory_used_bytes");
            assertThat(get(client, base + "/nodes").body()).contains("\"name\":\"camera\"", "\"state\":\"RUNNING\"");
            // a request waits 3 s for the topic's first image, which a starved camera may not send in time: asked again
            HttpResponse<byte[]> jpeg = await().atMost(LIMIT).until(() -> client.send(HttpRequest.newBuilder(URI.create(
                    base + "/topics/camera-images/latest.jpg")).timeout(LIMIT).build(),
                    HttpResponse.BodyHandlers.ofByteArray()), answer -> answer.statusCode() == 200);
            assertThat(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(jpeg.body())).getWidth())
                    .isEqualTo(1280);
            run.stopCleanly(LIMIT);
        }
    }

    @Test
    void jsonLogLinesCarryMsightsFieldsWithPasswordsMaskedAndAlsoGoToARollingFile() throws Exception {
        Path logFile = dir.resolve("logs/msight.log");
        Path conf = Files.writeString(dir.resolve("json.conf"), """
                msight {
                  device-name = edge-json
                  logging-level = DEBUG
                  http.enabled = false
                  logging { format = json, file = "%s", max-file-size = 2kB, max-files = 2 }
                }
                nodes {
                  camera { type = rtsp-receiver, url = "rtsp://admin:hunter2@127.0.0.1:%d/live", publish-topic = t,
                           connect-timeout = 1s, restart-backoff { initial = 50ms, max = 100ms } }
                  dumper { type = image-dumper, subscribe-topic = t, folder = out }
                }
                """.formatted(logFile, FreePorts.next()));
        try (RunningCommand run = Distribution.start(dir.resolve("run.log"), Map.of(), "msight-run", conf.toString())) {
            run.awaitOutput("retrying with backoff", LIMIT);
            await().atMost(LIMIT).until(() -> Files.exists(dir.resolve("logs/msight.log.1")));
            run.stopCleanly(LIMIT);
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
            for (String line : run.output().lines().filter(l -> !l.isBlank()).toList()) {
                lines.add(json.readTree(line));
            }
            assertThat(lines).allSatisfy(line -> {
                assertThat(line.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*");
                assertThat(line.get("device").asText()).isEqualTo("edge-json");
                assertThat(line.has("node") && line.has("level") && line.has("message")).isTrue();
            });
            assertThat(lines).anySatisfy(line -> {
                assertThat(line.get("node").asText()).isEqualTo("camera");
                assertThat(line.get("level").asText()).isEqualTo("WARNING");
                assertThat(line.get("message").asText()).contains("rtsp://***@127.0.0.1:").endsWith("retrying with backoff");
            });
            String written = Files.readString(logFile) + Files.readString(dir.resolve("logs/msight.log.1"));
            assertThat(written).contains("\"device\":\"edge-json\"", "\"node\":\"camera\"");
            assertThat(run.output() + written).doesNotContain("hunter2");
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(LIMIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
