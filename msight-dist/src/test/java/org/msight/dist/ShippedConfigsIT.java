package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Waits;

/** The pipelines shipped in configs/, run from the distribution as a user runs them. */
class ShippedConfigsIT {

    private static final Duration LIMIT = Waits.GENEROUS;

    @TempDir
    Path dir;

    private static Path config(String name) {
        return Distribution.home().resolve("configs").resolve(name);
    }

    @Test
    void everyShippedPipelinePassesTheCheck() throws Exception {
        try (Stream<Path> configs = Files.list(Distribution.home().resolve("configs"))) {
            List<Path> files = configs.filter(f -> f.toString().endsWith(".conf")).toList();
            assertThat(files).extracting(f -> f.getFileName().toString())
                    .contains("quickstart.conf", "http-upload.conf", "dump-images.conf");
            for (Path file : files) {
                // the box's name, as the systemd unit's environment file gives it, is not overridden
                try (RunningCommand check = Distribution.start(dir.resolve("check.log"),
                        Map.of("MSIGHT_EDGE_DEVICE_NAME", "edge-17"), "msight-run", "--check", file.toString())) {
                    assertThat(check.awaitExit(LIMIT)).as(check.output()).isZero();
                    assertThat(check.output()).contains("Pipeline " + file + " (device edge-17, ", "Topics:")
                            .doesNotContain("warning");
                }
            }
        }
    }

    @Test
    void theQuickstartFillsItsFolderWithCameraImages() throws Exception {
        Path conf = Files.writeString(dir.resolve("quickstart.conf"), """
                include file("%s")
                msight.http.enabled = false
                """.formatted(config("quickstart.conf")));
        try (RunningCommand run = Distribution.start(dir.resolve("run.log"), Map.of(), "msight-run", conf.toString())) {
            Path folder = dir.resolve("quickstart-images");
            await().atMost(LIMIT).until(() -> Distribution.files(folder, ".jpg").size() >= 3);
            BufferedImage image = ImageIO.read(Distribution.files(folder, ".jpg").get(0).toFile());
            assertThat(image.getWidth()).isEqualTo(1280);
            assertThat(image.getHeight()).isEqualTo(720);
            run.stopCleanly(LIMIT);
        }
    }

    @Test
    void theUploadPipelineSendsExactlyOneFrameInTen() throws Exception {
        Path folder = dir.resolve("all-frames");
        Path conf = Files.writeString(dir.resolve("counted.conf"), """
                include file("%s")
                msight.drain-timeout = 20s
                msight.http.enabled = false
                nodes.http_uploader_node.queue-capacity = 1000
                nodes.every_frame {
                  type = image-dumper
                  subscribe-topic = rtsp_topic
                  folder = "%s"
                  queue-capacity = 1000
                }
                """.formatted(config("http-upload.conf"), folder));
        try (UploadServer server = new UploadServer();
                RunningCommand run = Distribution.start(dir.resolve("run.log"),
                        Map.of("MSIGHT_UPLOAD_URL", server.url()), "msight-run", conf.toString())) {
            await().atMost(LIMIT).until(() -> server.uploads().size() >= 6);
            run.stopCleanly(LIMIT);
            int frames = Distribution.files(folder, ".jpg").size();
            assertThat(frames).isGreaterThanOrEqualTo(60);
            assertThat(server.uploads()).hasSize(frames / 10);
            assertThat(server.uploads()).allSatisfy(upload -> assertThat(upload.body().get("sensor_name").asText())
                    .isEqualTo("rtsp_sensor"));
        }
    }
}
