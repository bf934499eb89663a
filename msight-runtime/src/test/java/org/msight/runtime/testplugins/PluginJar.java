package org.msight.runtime.testplugins;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.msight.api.NodeProvider;

/**
 * Writes a plugin jar of a provider compiled with the tests, as a third party ships one: its classes,
 * its services file and a {@code reference.conf}. The providers of this package are never listed
 * on the tests' class path, where a type the runtime refuses would stop every test's loading.
 */
public final class PluginJar {

    private PluginJar() {
    }

    /**
     * Writes {@code jar} (and its folder) with {@code provider}, the classes of this package it
     * extends, and {@code reference}.
     */
    public static Path write(Path jar, Class<? extends NodeProvider> provider, String reference) throws IOException {
        return write(jar, NodeProvider.class, provider, reference);
    }

    /** As {@link #write(Path, Class, String)}, for a provider of {@code service}, such as a {@code DataType}. */
    public static <T> Path write(Path jar, Class<T> service, Class<? extends T> provider, String reference)
            throws IOException {
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Class<?> type = provider; type.getPackage() == PluginJar.class.getPackage(); type = type.getSuperclass()) {
                String classFile = type.getName().replace('.', '/') + ".class";
                try (InputStream bytes = type.getClassLoader().getResourceAsStream(classFile)) {
                    put(out, classFile, bytes.readAllBytes());
                }
            }
            put(out, "META-INF/services/" + service.getName(), provider.getName().getBytes(StandardCharsets.UTF_8));
            put(out, "reference.conf", reference.getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }
}
