package org.msight.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds a plugin jar the way a third party would: compiles its sources against the API jars of
 * the distribution only, and packs classes, the provider service file and reference.conf.
 */
final class PluginBuilder {

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> providers = new ArrayList<>();
    private final List<String> busProviders = new ArrayList<>();
    private String reference = "";

    /** Adds a class: its fully qualified name and source. */
    PluginBuilder source(String className, String source) {
        sources.put(className, source);
        return this;
    }

    /** Lists a NodeProvider class in META-INF/services. */
    PluginBuilder provider(String className) {
        providers.add(className);
        return this;
    }

    /** Lists a BusProvider class in META-INF/services. */
    PluginBuilder busProvider(String className) {
        busProviders.add(className);
        return this;
    }

    PluginBuilder reference(String hocon) {
        reference = hocon;
        return this;
    }

    /** Compiles and writes the jar. */
    Path buildJar(Path work, Path jar) throws IOException {
        Path src = Files.createDirectories(work.resolve("src"));
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-cp",
                Distribution.libJars("msight-api", "config-", "slf4j-api").stream().map(Path::toString)
                        .collect(Collectors.joining(":"))));
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler.run(null, null, null, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("the test plugin did not compile (see the output above)");
        }
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                put(out, classes.relativize(file).toString(), Files.readAllBytes(file));
            }
            put(out, "META-INF/services/org.msight.api.NodeProvider",
                    String.join("\n", providers).getBytes(StandardCharsets.UTF_8));
            put(out, "META-INF/services/org.msight.api.bus.BusProvider",
                    String.join("\n", busProviders).getBytes(StandardCharsets.UTF_8));
            put(out, "reference.conf", reference.getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static void put(OutputStream out, String name, byte[] bytes) throws IOException {
        JarOutputStream jar = (JarOutputStream) out;
        jar.putNextEntry(new JarEntry(name));
        jar.write(bytes);
        jar.closeEntry();
    }
}
