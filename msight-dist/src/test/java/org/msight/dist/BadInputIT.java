package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.testkit.FreePorts;

/**
 * Bad files, flags and environment values through the real commands: each ends with exit code
 * 2 and one line per problem naming what to fix, never a stack trace, and before any Redis is
 * reached (the Redis the environment names has nothing listening).
 */
class BadInputIT {

    @TempDir
    Path dir;

    private final Map<String, String> env = Map.of("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "127.0.0.1",
            "MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(FreePorts.next()));

    private String refused(Map<String, String> environment, String command, String... args) throws Exception {
        try (RunningCommand run = Distribution.start(dir.resolve("out.log"), environment, command, args)) {
            int code = run.awaitExit(Duration.ofSeconds(60));
            String output = run.output();
            assertThat(code).as(output).isEqualTo(2);
            assertThat(output).doesNotContain("\tat ", "Exception in", "unreachable", "Error:");
            return output;
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "msight_launch_http -n up -st t -u http://127.0.0.1:9/ --shards 0 | --shards: must be 1 to 1000000, not 0",
        "msight_launch_http -n up -st t -u ftp://127.0.0.1/x | -u/--url: must be a URL http://... or https://..., not"
                + " 'ftp://127.0.0.1/x'",
        "msight_launch_http -n up -st t -u '' | -u/--url: must be a URL http://... or https://..., not ''",
        "msight_launch_http -n up -st '' -u http://127.0.0.1:9/ | -st/--subscribe-topic: must not be empty, not ''",
        "msight_launch_http -n '' -st t -u http://127.0.0.1:9/ | -n/--name: a node needs a name",
        "msight_launch_rtsp -n cam -pt t -sn cam -u rtsp://127.0.0.1:9/x -r 0 | -r/--resize-ratio: must be more than 0"
                + " and at most 4, not 0",
        "msight_launch_rtsp -n cam -pt '' -sn cam -u rtsp://127.0.0.1:9/x | -pt/--publish-topic: must not be empty",
    })
    void launcherFlagsAreCheckedBeforeRedisIsReached(String line, String problem) throws Exception {
        List<String> words = new ArrayList<>();
        for (String word : line.split(" ")) {
            words.add(word.equals("''") ? "" : word);
        }
        String command = words.remove(0);
        assertThat(refused(env, command, words.toArray(String[]::new))).contains("error: " + command + ": " + problem);
    }

    @Test
    void aBadEnvironmentValueIsOneLineNamingTheVariable() throws Exception {
        String output = refused(Map.of("MSIGHT_REDIS_MESSAGE_BROKER_PORT", "abc"), "msight", "status");
        assertThat(output).isEqualTo("error: environment variable MSIGHT_REDIS_MESSAGE_BROKER_PORT: msight.redis.port:"
                + " must be a whole number, 1 to 65535, not 'abc'\n");
    }

    @Test
    void aJavaHomeWithoutJavaIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-java"));
        assertThat(refused(Map.of("JAVA_HOME", empty.toString()), "msight-run", "--version")).isEqualTo(
                "error: JAVA_HOME is " + empty + ", which has no bin/java: point it at a Java 17 or newer, or unset it\n");
    }

    /** A Java older than 17 (Debian 11's default) failed each start on a JVM option, exit code 1: a restart loop. */
    @Test
    void aJavaOlderThan17IsNamed() throws Exception {
        Path old = Files.createDirectories(dir.resolve("jdk-11/bin"));
        Path java = Files.writeString(old.resolve("java"), "#!/bin/sh\necho 'Unrecognized option' >&2\nexit 1\n");
        java.toFile().setExecutable(true);
        Files.writeString(old.resolveSibling("release"), "JAVA_VERSION=\"11.0.22\"\n");
        assertThat(refused(Map.of("JAVA_HOME", old.getParent().toString()), "msight-run", "--version")).isEqualTo(
                "error: JAVA_HOME is " + old.getParent() + ", a Java 11: MSight needs Java 17 or newer (apt-get install"
                        + " openjdk-17-jre-headless, then point JAVA_HOME at it)\n");
    }

    /** A URL with its password given as the host: refused, and the password never printed. */
    @Test
    void aRedisUrlGivenAsTheHostIsRefusedWithoutItsPassword() throws Exception {
        Map<String, String> url = Map.of("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "redis://default:SuperSecret1@127.0.0.1");
        String problem = "error: environment variable MSIGHT_REDIS_MESSAGE_BROKER_HOST: msight.redis.host: must be a"
                + " host name or address, such as 127.0.0.1, not a URL (port, user and password are settings of their"
                + " own), not 'redis://***@127.0.0.1'\n";
        assertThat(refused(url, "msight", "status")).isEqualTo(problem);
        assertThat(refused(url, "msight_launch_http", "-n", "up", "-st", "t", "-u", "http://127.0.0.1:9/"))
                .isEqualTo(problem);
    }

    @Test
    void theLaunchersNameABadEnvironmentVariableToo() throws Exception {
        String[] http = {"-n", "up", "-st", "t", "-u", "http://127.0.0.1:9/"};
        assertThat(refused(Map.of("MSIGHT_REDIS_MESSAGE_BROKER_PORT", "abc"), "msight_launch_http", http))
                .startsWith("error: environment variable MSIGHT_REDIS_MESSAGE_BROKER_PORT: msight.redis.port: ");
        assertThat(refused(Map.of("MSIGHT_PUBSUB_BACKEND", "nats", "MSIGHT_NATS_SERVERS", ""), "msight_launch_http",
                http)).isEqualTo("error: environment variable MSIGHT_NATS_SERVERS: msight.nats.servers: must not be"
                        + " empty, not ''\n");
        assertThat(refused(Map.of("MSIGHT_REDIS_MESSAGE_BROKER_USE_TLS", "ture"), "msight_launch_rtsp", "-n", "cam",
                "-pt", "t", "-sn", "cam", "-u", "rtsp://127.0.0.1:9/x")).isEqualTo("error: environment variable"
                        + " MSIGHT_REDIS_MESSAGE_BROKER_USE_TLS: msight.redis.tls.enabled: must be true, 1 or yes (any"
                        + " case) for on, or false, 0, no, n, off or empty for off (Python MSight reads any other word"
                        + " as off), not 'ture'\n");
    }

    @Test
    void filesThatOnceCrashedTheRuntimeAreRefused() throws Exception {
        Path deep = Files.writeString(dir.resolve("deep.conf"), "a = " + "{ b: ".repeat(5000) + "1" + " }".repeat(5000));
        assertThat(refused(env, "msight-run", "--check", deep.toString()))
                .contains("error: " + deep + ": (syntax): nested too deeply to read");

        Path queue = Files.writeString(dir.resolve("queue.conf"), """
                nodes {
                  dump { type = image-dumper, subscribe-topic = t, folder = out, queue-capacity = 2147483647 }
                }
                """);
        assertThat(refused(env, "msight-run", "--check", queue.toString()))
                .contains("error: " + queue + ":2: nodes.dump.queue-capacity: must be 1 to 100000, not 2147483647");

        // --check once passed these, and the run crashed or misbehaved later
        Path run = Files.writeString(dir.resolve("run.conf"), """
                msight { bus = redis, registry.enabled = maybe }
                nodes {
                  dump { type = image-dumper, subscribe-topic = t, folder = out, restart-backoff.initial = -5s }
                }
                """);
        assertThat(refused(env, "msight-run", run.toString())).contains(
                "error: " + run + ":1: msight.registry.enabled: 'maybe' is not one of auto, true, false",
                "error: " + run + ":3: nodes.dump.restart-backoff.initial: must be 1ms to 1h, not '-5s'");
    }

    /** A size without a unit Kafka reads, and a property name the clients would ignore. */
    @Test
    void kafkaSizesAndMisspeltPropertiesAreRefusedAtTheirLine() throws Exception {
        Path kafka = Files.writeString(dir.resolve("kafka.conf"), """
                msight {
                  bus = kafka
                  kafka.buffer-size = 32 megs
                  kafka.max-request-size = 0
                }
                nodes { dump { type = image-dumper, subscribe-topic = t, folder = out } }
                """);
        assertThat(refused(env, "msight-run", "--check", kafka.toString())).contains(
                "error: " + kafka + ":3: msight.kafka.buffer-size: must be a size of at least 1B, such as 32MiB,"
                        + " not '32 megs'",
                "error: " + kafka + ":4: msight.kafka.max-request-size: must be a size of at least 1B, such as 2MiB,"
                        + " not 0");
        Path misspelt = Files.writeString(dir.resolve("misspelt.conf"), """
                msight {
                  bus = kafka
                  kafka.properties { "lingr.ms" = 20 }
                }
                nodes { dump { type = image-dumper, subscribe-topic = t, folder = out } }
                """);
        assertThat(refused(env, "msight-run", "--check", misspelt.toString())).contains("error: " + misspelt
                + ":3: msight.kafka.properties.\"lingr.ms\": no Kafka client has this property (did you mean"
                + " 'linger.ms'?)");
    }

    @Test
    void aRedisClusterWithoutNodesIsReachedAtHostAndPortAsMsightReachesIt() throws Exception {
        Path cluster = Files.writeString(dir.resolve("cluster.conf"), """
                msight {
                  bus = redis
                  redis.cluster.enabled = true
                }
                nodes { dump { type = image-dumper, subscribe-topic = t, folder = out } }
                """);
        try (RunningCommand check = Distribution.start(dir.resolve("check.log"), env, "msight-run", "--check",
                cluster.toString())) {
            assertThat(check.awaitExit(Duration.ofSeconds(60))).as(check.output()).isZero();
        }
        Map<String, String> clusterAtHostAndPort = new HashMap<>(env);
        clusterAtHostAndPort.put("MSIGHT_REDIS_MESSAGE_BROKER_USE_CLUSTER", "yes");
        try (RunningCommand status = Distribution.start(dir.resolve("status.log"), clusterAtHostAndPort, "msight",
                "status")) { // reached, unlike this class's other inputs: nothing listens there
            assertThat(status.awaitExit(Duration.ofSeconds(60))).as(status.output()).isEqualTo(2);
            assertThat(status.output()).contains("Redis unreachable at cluster 127.0.0.1:"
                    + env.get("MSIGHT_REDIS_MESSAGE_BROKER_PORT"));
        }
    }
}
