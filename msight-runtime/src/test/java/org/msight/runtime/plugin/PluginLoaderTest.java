package org.msight.runtime.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.NodeProvider;
import org.msight.api.bus.BusProvider;
import org.msight.api.data.DataType;
import org.msight.api.data.ImageData;
import org.msight.runtime.testplugins.ArgumentSink;
import org.msight.runtime.testplugins.BatchSink;
import org.msight.runtime.testplugins.CollectorTwinSink;
import org.msight.runtime.testplugins.ImageTwinType;
import org.msight.runtime.testplugins.LidarType;
import org.msight.runtime.testplugins.PluginJar;
import org.msight.runtime.testplugins.UnlicensedSink;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventBuilder;

class PluginLoaderTest {

    @TempDir
    Path dir;

    private final ClassLoader runtime = PluginLoaderTest.class.getClassLoader();

    @Test
    void aPluginSeesTheApiButNotTheRuntimeOrItsLibraries() throws Exception {
        try (PluginClassLoader plugin = new PluginClassLoader("empty", new URL[0], runtime)) {
            assertThat(plugin.getParent()).isSameAs(ClassLoader.getPlatformClassLoader());
            for (Class<?> api : List.of(NodeProvider.class, Config.class, Logger.class)) {
                assertThat(plugin.loadClass(api.getName())).isSameAs(api);
            }
            assertThat(plugin.loadClass("java.sql.Timestamp")).isNotNull();
            for (String internal : List.of("org.msight.runtime.Pipeline", "org.msight.codec.MsightCodec",
                    "redis.clients.jedis.Jedis", "ch.qos.logback.classic.Logger",
                    "io.micrometer.core.instrument.MeterRegistry")) {
                assertThat(runtime.loadClass(internal)).as("on the runtime's class path").isNotNull();
                assertThatThrownBy(() -> plugin.loadClass(internal)).as(internal)
                        .isInstanceOf(ClassNotFoundException.class);
            }
            assertThat(plugin.getResource("reference.conf")).as("the runtime's defaults are its own").isNull();
        }
    }

    /** A plugin that uses one of SLF4J's add-ons (jul-to-slf4j) bundles it: the runtime has the API only. */
    @Test
    void aPluginGetsItsOwnSlf4jAddOnsBesideTheRuntimesSlf4jApi() throws Exception {
        Path source = Files.createDirectories(dir.resolve("src/org/slf4j/bridge")).resolve("Bundled.java");
        Files.writeString(source, "package org.slf4j.bridge; public class Bundled {}\n");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                source.toString())).isZero();
        Path jar = dir.resolve("addon.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("org/slf4j/bridge/Bundled.class"));
            out.write(Files.readAllBytes(classes.resolve("org/slf4j/bridge/Bundled.class")));
            out.closeEntry();
        }
        try (PluginClassLoader plugin = new PluginClassLoader("addon", new URL[] {jar.toUri().toURL()}, runtime)) {
            assertThat(plugin.loadClass("org.slf4j.bridge.Bundled").getClassLoader()).isSameAs(plugin);
            for (Class<?> api : List.of(Logger.class, LoggingEventBuilder.class, Level.class, MessageFormatter.class)) {
                assertThat(plugin.loadClass(api.getName())).isSameAs(api);
            }
        }
    }

    @Test
    void aBrokenPluginIsReportedAndTheOthersStillLoad() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        // lists a provider it does not bundle: the runtime's test provider is out of a plugin's reach
        jar(folder.resolve("a-broken.jar"), "org.msight.runtime.testnodes.SequenceSource$Provider");
        jar(folder.resolve("b-empty.jar"), "");
        Plugins plugins = new PluginLoader(runtime).load(List.of(folder));
        assertThat(plugins.nodeType("test-sequence")).as("still there from the class path").isPresent();
        assertThat(plugins.broken()).hasSize(2).first().satisfies(broken -> {
            assertThat(broken.plugin()).isEqualTo(folder.resolve("a-broken.jar").toString());
            assertThat(broken.toString()).startsWith("plugin " + folder.resolve("a-broken.jar") + " not loaded: ")
                    .contains("SequenceSource$Provider");
        });
        assertThat(plugins.broken().get(1).toString()).isEqualTo("plugin " + folder.resolve("b-empty.jar")
                + " not loaded: it provides no node type, bus or data type; its jar must list its providers in"
                + " META-INF/services/org.msight.api.NodeProvider (or org.msight.api.bus.BusProvider)");
        assertThat(plugins.brokenPluginOf("camera-of-the-broken-plugin", NodeProvider.class))
                .isEqualTo("; it may come from plugin " + folder.resolve("a-broken.jar") + ", which did not load: "
                        + plugins.broken().get(0).problem() + "; or from plugin " + folder.resolve("b-empty.jar")
                        + ", which did not load: " + plugins.broken().get(1).problem());
        assertThat(plugins.brokenPluginOf("lopback", BusProvider.class)).as("it provides no bus").isEmpty();
    }

    @Test
    void aRefusedPluginIsNamedOnceInItsLine() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        PluginJar.write(folder.resolve("a.jar"), BatchSink.class, "msight.node-types.batch-sink.batch = 1\n");
        PluginJar.write(folder.resolve("b.jar"), BatchSink.class, "msight.node-types.batch-sink.batch = 1\n");
        Files.writeString(folder.resolve("c.jar"), "not a jar");
        Files.writeString(Files.createDirectories(folder.resolve("d")).resolve("e.jar"), "not a jar");
        assertThat(new PluginLoader(runtime).load(List.of(folder)).broken()).map(Plugins.BrokenPlugin::toString)
                .containsExactly("plugin " + folder.resolve("b.jar") + " not loaded: node type 'batch-sink' is"
                        + " provided by " + folder.resolve("a.jar") + " too; remove one of the two",
                        "plugin " + folder.resolve("c.jar") + " not loaded: it is not a readable jar: zip END header"
                                + " not found",
                        "plugin " + folder.resolve("d") + " not loaded: its e.jar is not a readable jar: zip END header"
                                + " not found");
    }

    /** It said to remove one of the two, the class path's one too, which a user cannot remove. */
    @Test
    void aPluginTypeNamedAsOneOnTheClassPathIsToldToTakeAnotherName() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        PluginJar.write(folder.resolve("twin.jar"), CollectorTwinSink.class, "");
        assertThat(new PluginLoader(runtime).load(List.of(folder)).broken()).map(Plugins.BrokenPlugin::toString)
                .containsExactly("plugin " + folder.resolve("twin.jar") + " not loaded: node type 'test-collector' is"
                        + " on the runtime's class path already; give the plugin's another name");
    }

    /**
     * Two data types of one tag made every codec, so every command, fail with a stack trace: the
     * later plugin is refused, as one that provides a node type known already, and so is one that
     * takes a built-in type's tag.
     */
    @Test
    void aPluginWhoseDataTypeTakesATagKnownAlreadyIsRefusedNamingTheOther() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        PluginJar.write(folder.resolve("a.jar"), DataType.class, LidarType.class, "");
        PluginJar.write(folder.resolve("b.jar"), DataType.class, LidarType.class, "");
        PluginJar.write(folder.resolve("c.jar"), DataType.class, ImageTwinType.class, "");
        Plugins plugins = new PluginLoader(runtime).load(List.of(folder));
        assertThat(plugins.broken()).map(Plugins.BrokenPlugin::toString).containsExactly(
                "plugin " + folder.resolve("b.jar") + " not loaded: data type 'example.Lidar' is provided by "
                        + folder.resolve("a.jar") + " too; remove one of the two",
                "plugin " + folder.resolve("c.jar") + " not loaded: data type '" + ImageData.TAG + "' is on the"
                        + " runtime's class path already; give the plugin's another name");
        assertThat(plugins.dataTypes()).map(DataType::tag).containsExactly("example.Lidar");
    }

    @Test
    void aProviderThatCannotBeCreatedIsSaidInWordsWithItsClassForItsAuthor() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        PluginJar.write(folder.resolve("argument.jar"), ArgumentSink.class, "");
        PluginJar.write(folder.resolve("unlicensed.jar"), UnlicensedSink.class, "");
        assertThat(new PluginLoader(runtime).load(List.of(folder)).broken()).map(Plugins.BrokenPlugin::toString)
                .containsExactly("plugin " + folder.resolve("argument.jar") + " not loaded: node type provider "
                        + ArgumentSink.class.getName() + " has no public constructor without arguments",
                        "plugin " + folder.resolve("unlicensed.jar") + " not loaded: a node type provider failed as"
                                + " it was created: no licence file at /etc/unlicensed.lic (class "
                                + UnlicensedSink.class.getName() + ")");
    }

    /** A plugin built for a newer Java, or missing a class it needs, is told what to do in its line. */
    @Test
    void aPluginBuiltForANewerJavaOrMissingAClassIsToldWhatToDo() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        byte[] sink = classFile(BatchSink.class);
        byte[] newer = sink.clone();
        newer[6] = 0; // the major version, 2 bytes after the magic number and the minor version
        newer[7] = (byte) 200;
        Class<?> base = BatchSink.class.getSuperclass();
        jar(folder.resolve("a-newer.jar"), BatchSink.class.getName(), Map.of(BatchSink.class, newer, base,
                classFile(base)));
        jar(folder.resolve("b-missing.jar"), BatchSink.class.getName(), Map.of(BatchSink.class, sink));
        List<Plugins.BrokenPlugin> broken = new PluginLoader(runtime).load(List.of(folder)).broken();
        assertThat(broken).map(Plugins.BrokenPlugin::problem).satisfiesExactly(
                newerJava -> assertThat(newerJava).startsWith("java.lang.UnsupportedClassVersionError: ")
                        .endsWith("; built for a newer Java: rebuild it with --release 17"),
                missing -> assertThat(missing).isEqualTo("java.lang.NoClassDefFoundError: "
                        + base.getName().replace('.', '/') + "; a class it needs is missing: put the jar that has it"
                        + " in the plugin's folder"));
    }

    @Test
    void aPluginFolderThatDoesNotExistIsAnError() {
        Path missing = dir.resolve("no-such-folder");
        assertThatThrownBy(() -> new PluginLoader(runtime).load(List.of(missing)))
                .isInstanceOf(PluginException.class)
                .hasMessage("plugin folder " + missing + " does not exist; check --plugin-path and msight.plugin-path");
    }

    private static void jar(Path jar, String provider) throws IOException {
        jar(jar, provider, Map.of());
    }

    /** A jar whose services file lists {@code provider}, with {@code classes}, each of the class file given. */
    private static void jar(Path jar, String provider, Map<Class<?>, byte[]> classes) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/services/org.msight.api.NodeProvider"));
            out.write(provider.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            for (Map.Entry<Class<?>, byte[]> type : classes.entrySet()) {
                out.putNextEntry(new JarEntry(type.getKey().getName().replace('.', '/') + ".class"));
                out.write(type.getValue());
                out.closeEntry();
            }
        }
    }

    private static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream bytes = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return bytes.readAllBytes();
        }
    }
}
