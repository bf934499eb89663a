package com.example.msight;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.SinkNode;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.testkit.LogCapture;
import org.msight.testkit.TestNodeContext;

/** The sink on the test kit's context: its block over the defaults of this plugin's reference.conf. */
class LineFileSinkTest {

    @TempDir
    Path dir;

    @Test
    void writesOneLinePerMessage() throws Exception {
        Path file = dir.resolve("lines.txt");
        TestNodeContext context = TestNodeContext.of("line-file", "file = \"" + file + "\", prefix = \"cam: \"");
        SinkNode sink = (SinkNode) new LineFileSinkProvider().create(context);
        try (LogCapture log = LogCapture.all()) {
            sink.open();
            assertEquals(List.of("appending lines to " + file), log.messages());
        }
        for (long frame = 1; frame <= 3; frame++) {
            sink.put(new BytesData(new Metadata("north", 1.0, 2.0, frame, "edge"), "x".getBytes(StandardCharsets.UTF_8)));
        }
        sink.close();
        assertEquals(List.of("cam: north 1 " + BytesData.TAG, "cam: north 2 " + BytesData.TAG,
                "cam: north 3 " + BytesData.TAG), Files.readAllLines(file));
        assertEquals(3, context.count("written"));
    }
}
