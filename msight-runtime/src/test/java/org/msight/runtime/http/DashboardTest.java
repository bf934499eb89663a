package org.msight.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.runtime.Pipeline;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.TestPipelines;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/** The dashboard in a real browser: Debian's chromium, headless. */
class DashboardTest {

    @TempDir
    Path dir;

    private Pipeline pipeline;
    private HttpEndpoint endpoint;

    @AfterEach
    void stop() throws Exception {
        if (endpoint != null) {
            endpoint.close();
        }
        if (pipeline != null) {
            pipeline.stop();
        }
    }

    @Test
    void listsTheNodesAndShowsALiveThumbnailOfEachImageTopic() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { device-name = edge-07, drain-timeout = 1s, http.port = 0 }
                nodes {
                  camera { type = test-images, publish-topic = "cameras/front 1", width = 640, height = 360, interval = 50ms }
                  other { type = test-images, publish-topic = "x/../cameras/front 1", width = 320, height = 180, interval = 50ms }
                  sink { type = test-collector, subscribe-topic = numbers }
                }
                """);
        PipelineFactory.Loaded loaded = TestPipelines.load(file);
        pipeline = loaded.create();
        pipeline.start();
        endpoint = HttpEndpoint.start(loaded.httpSettings(), pipeline);
        String url = "http://127.0.0.1:" + endpoint.port() + "/";

        String dom = chromium(url, "--dump-dom");
        assertThat(dom).contains("device edge-07").contains("<span class=\"connected\"> · bus memory connected</span>")
                .containsPattern("<tr data-node=\"camera\"><td>camera</td><td>test-images</td><td class=\"RUNNING\">RUNNING</td>")
                .contains("<tr data-node=\"sink\"><td>sink</td><td>test-collector</td>")
                // a '/' in a topic's name too (its thumbnail names it in the query, encoded)
                .containsPattern("<figure data-topic=\"cameras/front 1\"><img alt=\"cameras/front 1\""
                        + " src=\"topics/latest.jpg\\?topic=cameras%2Ffront%201[^\"]*\" data-loaded=\"640x360\">")
                // a topic whose name has a part '..' shows its own images, not those of the topic it would fold to
                .containsPattern("<figure data-topic=\"x/../cameras/front 1\"><img alt=\"x/../cameras/front 1\""
                        + " src=\"[^\"]*\" data-loaded=\"320x180\">")
                // a topic only subscribed to here shows once an image comes, which none does
                .contains("<figure data-topic=\"numbers\" hidden=\"\"><img alt=\"numbers\"");

        Path screenshot = dir.resolve("dashboard.png");
        chromium(url, "--screenshot=" + screenshot, "--window-size=1000,700");
        BufferedImage shot = ImageIO.read(screenshot.toFile());
        assertThat(shot.getWidth()).isEqualTo(1000);
        // The thumbnail was drawn: orange pixels of the test image (255, 200, 0) are on the page.
        assertThat(countOrangePixels(shot)).isGreaterThan(1000);
        Path kept = Path.of("target", "dashboard.png");
        Files.copy(screenshot, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static int countOrangePixels(BufferedImage image) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = rgb >> 16 & 0xff;
                int g = rgb >> 8 & 0xff;
                int b = rgb & 0xff;
                if (r > 230 && g > 170 && g < 230 && b < 40) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Runs headless chromium on {@code url} with an empty profile; returns what it printed. */
    private String chromium(String url, String... options) throws Exception {
        Path chromium = Tools.require("chromium", "chromium");
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
        command.addAll(List.of(options));
        command.add(url);
        Tools.Output printed = Tools.run(new ProcessBuilder(command).redirectError(dir.resolve("chromium.err").toFile()),
                Waits.GENEROUS);
        assertThat(printed.exitCode()).as(Files.readString(dir.resolve("chromium.err"))).isZero();
        return printed.text();
    }
}
