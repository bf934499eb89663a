package org.msight.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.runtime.TestPipelines;
import org.msight.testkit.FreePorts;
import org.msight.testkit.RedisTestServer;

/** {@code msight status} and {@code msight reset-redis} against a Redis that cannot be used as configured. */
class MsightTest {

    @TempDir
    Path dir;

    private RedisTestServer redis;

    @BeforeEach
    void start() {
        redis = RedisTestServer.withPassword("s3cret-pw").start();
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    /** As msight-run does at start: one line naming what to fix, exit code 2, never the password. */
    @Test
    void aWrongRedisPasswordIsOneLineAndExitCodeTwo() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "msight.redis { host = \"127.0.0.1\", port = " + redis.port()
                + ", password = not-the-pw }\nnodes { src { type = test-sequence, publish-topic = t } }\n");
        for (String command : new String[] {"status", "reset-redis"}) {
            Commands.Result result = Commands.run(new Msight(), command, "--config", file.toString());
            assertThat(result.exitCode()).as(command + ": " + result.err()).isEqualTo(2);
            assertThat(result.err()).as(command).isEqualTo("error: Redis at 127.0.0.1:" + redis.port()
                    + " rejected the user name or password: check msight.redis.username and msight.redis.password"
                    + " (MSIGHT_REDIS_MESSAGE_BROKER_USERNAME, MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD)\n");
            assertThat(result.out()).as(command).isEmpty();
        }
    }

    @Test
    void anUnreachableRedisSaysWhereTheCommandFindsIt() throws Exception {
        int nothing = FreePorts.next();
        Path file = TestPipelines.write(dir, "p.conf", "msight.redis { host = \"127.0.0.1\", port = " + nothing
                + " }\nnodes { src { type = test-sequence, publish-topic = t } }\n");
        Commands.Result result = Commands.run(new Msight(), "status", "--config", file.toString());
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).startsWith("error: Redis unreachable at 127.0.0.1:" + nothing + " (")
                .endsWith(") (this command finds Redis through the MSIGHT_REDIS_MESSAGE_BROKER_* variables, or the"
                        + " msight.redis block of --config)\n");
    }

    /** MSight's msight_reset_redis parses --host, -p/--port and -d/--db, then ignores them: so does this one. */
    @Test
    void resetRedisTakesMsightsOptionsAndSaysTheyAreIgnored() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "msight.redis { host = \"127.0.0.1\", port = " + redis.port()
                + ", password = s3cret-pw }\nnodes { src { type = test-sequence, publish-topic = t } }\n");
        Commands.Result result = Commands.run(new Msight(), "reset-redis", "--host", "localhost", "-p", "23791", "-d",
                "0", "--config", file.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("deleted 0 MSIGHT* keys\n");
        assertThat(result.err()).startsWith("note: --host, --port and --db are ignored, as MSight's msight_reset_redis"
                + " ignores them");
    }
}
