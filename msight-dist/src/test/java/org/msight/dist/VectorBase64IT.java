package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Waits;

/**
 * README's faster Base64 (its http-uploader section): an uploader started by the launcher with
 * {@code MSIGHT_JAVA_OPTS="--add-modules jdk.incubator.vector"} has Java's Vector API, says which
 * encoder its bodies take, and sends MSight's bodies, the camera's JPEG in them whole.
 */
class VectorBase64IT {

    @TempDir
    Path dir;

    @Test
    void anUploaderGivenTheVectorApiUploadsMsightsBodies() throws Exception {
        try (UploadServer server = new UploadServer()) {
            Path conf = Files.writeString(dir.resolve("upload.conf"), """
                    msight { bus = memory, http.enabled = false, registry.enabled = false }
                    nodes {
                      camera { type = rtsp-receiver, url = "testsrc2=size=1280x720:rate=30", format = lavfi,
                               sensor-name = rtsp_sensor, publish-topic = images }
                      up { type = http-uploader, subscribe-topic = images, gap = 9, url = "%s" }
                    }
                    """.formatted(server.url()));
            Map<String, String> env = Map.of("MSIGHT_JAVA_OPTS", "--add-modules jdk.incubator.vector",
                    "MSIGHT_EDGE_DEVICE_NAME", "edge-it");
            try (RunningCommand run = Distribution.start(dir.resolve("run.log"), env, "msight-run", conf.toString())) {
                await().atMost(Waits.GENEROUS).until(() -> server.uploads().size() >= 3);
                for (UploadServer.Upload upload : server.uploads().subList(0, 3)) {
                    MsightTutorialIT.checkUpload(upload);
                }
                run.awaitOutput("Base64 of JSON bodies: ", Waits.GENEROUS);
                // the Vector API's; the JDK's where it is an intrinsic (AVX-512); a table where the CPU has no AVX2
                assertThat(run.output()).contains("WARNING: Using incubator modules: jdk.incubator.vector")
                        .containsPattern("INFO :: Base64 of JSON bodies: (the Vector API's \\(jdk\\.incubator\\.vector,"
                                + " 256-bit vectors\\), once warmed up|the JDK's|a table, the JDK's being no CPU intrinsic"
                                + " on this JVM and the CPU having no 256-bit vectors)");
                run.stopCleanly(Waits.GENEROUS);
            }
        }
    }
}
