package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/**
 * Every HOCON block of the READMEs (the project's README.md, the archive's msight-dist/src/README.md)
 * passes {@code msight-run --check}, without a warning, so a newcomer can copy them. The rules:
 * <ul>
 *   <li>a block is one fenced {@code ```hocon} (or {@code ```conf}); one whose fence follows the line
 *       {@code <!-- illustrative -->} is deliberately partial and not checked;</li>
 *   <li>a block that sets {@code nodes} is a whole pipeline, checked as it is, with each {@code ${?VAR}} it
 *       reads set to a placeholder;</li>
 *   <li>any other block is a snippet, checked in the smallest pipeline: itself, then one test-pattern
 *       camera; a snippet {@code msight.NAME { }} that is a bus's block ({@code msight-run plugins --json}
 *       names it) carries that camera's topic, so its values are checked, not only its keys.</li>
 * </ul>
 * It counts what it checked, so it cannot pass by checking nothing: a pipeline and two snippets at least.
 * Each file is named after its block's README and line. {@code --check} connects nowhere, so no server runs.
 */
class ReadmeExamplesIT {

    private static final Duration LIMIT = Waits.GENEROUS;
    private static final Pattern BLOCK = Pattern.compile("(?<!<!-- illustrative -->\\n)```(?:hocon|conf)\\n(.*?)```",
            Pattern.DOTALL);
    private static final Pattern PIPELINE = Pattern.compile("^nodes\\b", Pattern.MULTILINE);
    private static final Pattern BLOCK_OF = Pattern.compile("^(msight\\.[\\w-]+)\\s*\\{");
    private static final Pattern ENV = Pattern.compile("\\$\\{\\?(\\w+)}");
    private static final String CAMERA = """

            nodes.readme_camera { type = rtsp-receiver, url = testsrc2, format = lavfi, publish-topic = readme_topic }
            """;

    @TempDir
    Path dir;

    @Test
    void everyHoconBlockOfTheReadmesPassesTheCheck() throws Exception {
        Path root = Distribution.home().getParent().getParent();
        Map<String, String> buses = buses();
        int pipelines = 0;
        int snippets = 0;
        for (Path readme : new Path[] {root.resolve("README.md"), root.resolve("msight-dist/src/README.md")}) {
            String text = Files.readString(readme);
            Matcher block = BLOCK.matcher(text);
            while (block.find()) {
                String hocon = block.group(1);
                int line = (int) text.substring(0, block.start(1)).lines().count() + 1;
                String name = root.relativize(readme).toString().replace('/', '_') + "-line-" + line + ".conf";
                if (PIPELINE.matcher(hocon).find()) {
                    check(name, hocon);
                    pipelines++;
                } else {
                    Matcher of = BLOCK_OF.matcher(hocon);
                    String bus = of.find() ? buses.get(of.group(1)) : null;
                    check(name, hocon + CAMERA + (bus == null ? "" : "msight.bus = " + bus + "\n"));
                    snippets++;
                }
            }
        }
        // today: the pipeline of "The pipeline file", the redis and nats blocks of "Buses"
        assertThat(pipelines).as("whole pipelines checked").isGreaterThanOrEqualTo(1);
        assertThat(snippets).as("snippets checked").isGreaterThanOrEqualTo(2);
    }

    private void check(String name, String hocon) throws Exception {
        Path file = Files.writeString(dir.resolve(name), hocon);
        ProcessBuilder check = msightRun("--check", file.toString()).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = new HashMap<>();
        ENV.matcher(hocon).results().forEach(variable -> env.put(variable.group(1), "readme-placeholder"));
        check.environment().putAll(env);
        Tools.Output output = Tools.run(check, LIMIT);
        assertThat(output.exitCode()).as("%s (with %s set) fails msight-run --check: fix the README, or the code"
                + " where the README is right; a deliberately partial block follows <!-- illustrative -->:%n%s",
                name, env.keySet(), output.text()).isZero();
        assertThat(output.text()).as(name).contains("Topics:").doesNotContainIgnoringCase("warning");
    }

    /** Each bus's block ({@code msight.redis}) to its name, as {@code msight-run plugins --json} lists them. */
    private static Map<String, String> buses() throws Exception {
        Tools.Output listed = Tools.run(msightRun("plugins", "--json").redirectError(ProcessBuilder.Redirect.INHERIT),
                LIMIT);
        assertThat(listed.exitCode()).as(listed.text()).isZero();
        Map<String, String> buses = new HashMap<>();
        for (JsonNode plugin : new ObjectMapper().readTree(listed.text())) {
            if (plugin.path("kind").asText().equals("bus")) {
                buses.put(plugin.path("block").asText(), plugin.path("type").asText());
            }
        }
        assertThat(buses).containsKeys("msight.redis", "msight.nats");
        return buses;
    }

    /** msight-run without this machine's MSIGHT_ variables: the README's blocks are checked as a newcomer runs them. */
    private static ProcessBuilder msightRun(String... args) {
        ProcessBuilder msightRun = new ProcessBuilder(Stream.concat(
                Stream.of(Distribution.home().resolve("bin/msight-run").toString()), Stream.of(args)).toList());
        msightRun.environment().keySet().removeIf(variable -> variable.startsWith("MSIGHT_"));
        return msightRun;
    }
}
