package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.registry.DuplicateNodeException;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.RedisTestServer;

/** A start that fails in a program that goes on (a test run) lets go of what it opened. */
class FailedStartTest {

    private static final String UPLOADER = "nodes.%s { type = http-uploader, subscribe-topic = t,"
            + " url = \"http://127.0.0.1:9/\", spool.path = \"%s\" }\n";

    /**
     * Nodes made before a start fails (on a spool another pipeline holds) have their spools
     * closed: the next start in the same process takes them.
     */
    @Test
    void theSpoolsOfNodesMadeBeforeAStartFailsAreFreeAgain(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Path held = dir.resolve("held");
        try (PipelineTestDriver holder = PipelineTestDriver.start(UPLOADER.formatted("holder", held))) {
            assertThatThrownBy(() -> PipelineTestDriver.start(UPLOADER.formatted("a", first)
                    + UPLOADER.formatted("b", held))).isInstanceOf(PipelineConfigException.class)
                    .hasMessageContaining("nodes.b.spool.path: cannot use " + held);
        }
        try (PipelineTestDriver again = PipelineTestDriver.start(UPLOADER.formatted("a", first))) {
            // started: node a's spool was free
        }
    }

    /** So are those of a pipeline whose start fails once its nodes are made: a node name a live one has. */
    @Test
    void theSpoolsOfAPipelineWhoseStartFailsAreFreeAgain(@TempDir Path dir) throws Exception {
        Path spool = dir.resolve("spool");
        try (RedisTestServer redis = new RedisTestServer().start()) {
            String registry = "msight { registry.enabled = true, redis.port = %d }\n".formatted(redis.port());
            try (PipelineTestDriver holder = PipelineTestDriver.start(registry
                    + UPLOADER.formatted("a", dir.resolve("other")))) {
                assertThatThrownBy(() -> PipelineTestDriver.start(registry + UPLOADER.formatted("a", spool)))
                        .isInstanceOf(DuplicateNodeException.class);
            }
        }
        try (PipelineTestDriver again = PipelineTestDriver.start(UPLOADER.formatted("b", spool))) {
            // started: the spool was free
        }
    }
}
