package org.msight.runtime.testnodes;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.slf4j.LoggerFactory;

/** Test source: publishes JPEG {@link ImageData} of {@code width} x {@code height}, one every {@code interval}. */
public final class ImageSource implements SourceNode {

    private final NodeContext context;
    private final byte[] jpeg;
    private final int width;
    private final int height;
    private final long intervalMillis;

    ImageSource(NodeContext context) {
        this.context = context;
        this.width = context.config().getInt("width");
        this.height = context.config().getInt("height");
        this.intervalMillis = context.config().getDuration("interval").toMillis();
        this.jpeg = jpeg(width, height);
        // as the RTSP receiver logs its JPEG encoder when it is built, also by --check
        LoggerFactory.getLogger(ImageSource.class).info("{}x{} JPEGs of {} bytes", width, height, jpeg.length);
    }

    /** A real JPEG: orange with a blue band, so a decoded image shows it is not blank. */
    public static byte[] jpeg(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillRect(0, height / 3, width, height / 3);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public void poll() throws InterruptedException {
        context.publish(() -> ImageData.jpeg(context.newMetadata(Metadata.now()), jpeg, height, width));
        Thread.sleep(intervalMillis);
    }

    /** Its provider, type {@code test-images}. */
    public static final class Provider implements NodeProvider {
        @Override
        public String type() {
            return "test-images";
        }

        @Override
        public NodeKind kind() {
            return NodeKind.SOURCE;
        }

        @Override
        public String description() {
            return "publishes JPEG images (tests)";
        }

        @Override
        public String publishedDataType() {
            return ImageData.TAG;
        }

        @Override
        public List<Setting> settings() {
            return List.of(Setting.optional("width", SettingType.INT, "image width"),
                    Setting.optional("height", SettingType.INT, "image height"),
                    Setting.optional("interval", SettingType.DURATION, "pause between images"));
        }

        @Override
        public Node create(NodeContext context) {
            return new ImageSource(context);
        }
    }
}
