package org.msight.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes pipeline files for tests. */
public final class TestPipelines {

    private TestPipelines() {
    }

    /** Writes {@code hocon} to {@code name} in {@code dir} and returns its path. */
    public static Path write(Path dir, String name, String hocon) throws IOException {
        return Files.writeString(dir.resolve(name), hocon);
    }

    /** Loads and validates a pipeline file against the node types on the class path. */
    public static PipelineFactory.Loaded load(Path file) throws Exception {
        return new PipelineFactory(List.of()).load(file);
    }
}
