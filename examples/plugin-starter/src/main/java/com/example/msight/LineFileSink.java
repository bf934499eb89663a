package com.example.msight;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.SinkNode;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * Appends one line per message to a file: {@code <prefix><sensor> <frame id> <type tag>}.
 * The runtime calls {@link #open()}, then {@link #put} once per message, then {@link #close()}.
 */
public final class LineFileSink implements SinkNode {

    private final Path file;
    private final String prefix;
    private final Counter written;
    private final Logger log;
    private BufferedWriter out;

    LineFileSink(NodeContext context) {
        // The runtime has checked every setting against LineFileSinkProvider.settings().
        this.file = Path.of(context.config().getString("file"));
        this.prefix = context.config().getString("prefix");
        this.written = context.counter("written");
        this.log = context.logger(); // its lines name the node
    }

    @Override
    public void open() throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        log.info("appending lines to {}", file);
    }

    @Override
    public void put(SensorData data) throws IOException {
        Metadata metadata = data.metadata();
        out.write(prefix + metadata.sensorName() + " " + metadata.frameId() + " " + data.typeTag() + "\n");
        out.flush();
        written.increment();
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
