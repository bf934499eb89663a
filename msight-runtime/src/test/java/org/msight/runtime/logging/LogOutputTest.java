package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON form and the log file, on a logger context of the test's own. */
class LogOutputTest {

    @TempDir
    Path dir;

    @Test
    void jsonLinesCarryMsightsFieldsAndMaskUrlPasswordsEvenInStackTraces() throws Exception {
        Path file = dir.resolve("msight.log");
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LogOutput.from(ConfigFactory.parseString("format = json, file = \"" + file + "\", max-file-size = 10MB,"
                + " max-files = 2")).apply(context);
        MsightLayout.setDeviceName("edge-09");
        context.getLogger("msight.node.camera").warn("cannot open rtsp://admin:hunter2@10.0.0.5/live; retrying",
                new IllegalStateException("at rtsp://admin:hunter2@10.0.0.5/live"));
        context.stop();
        assertThat(context.getStatusManager().getCopyOfStatusList()).noneMatch(s -> s.getLevel() >= Status.WARN);
        String written = Files.readString(file);
        assertThat(written).doesNotContain("hunter2").endsWith("}\n");
        JsonNode line = new ObjectMapper().readTree(written);
        assertThat(line.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+.*");
        assertThat(line.get("device").asText()).isEqualTo("edge-09");
        assertThat(line.get("node").asText()).isEqualTo("camera");
        assertThat(line.get("level").asText()).isEqualTo("WARNING");
        assertThat(line.get("message").asText()).isEqualTo("cannot open rtsp://***@10.0.0.5/live; retrying");
        assertThat(line.get("stack_trace").asText()).contains("IllegalStateException: at rtsp://***@10.0.0.5/live");
    }
}
