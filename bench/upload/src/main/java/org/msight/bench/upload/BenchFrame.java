package org.msight.bench.upload;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;

/** A 1280x720 camera-like frame whose JPEG is about 110 KB, as in MSight's tutorial. */
final class BenchFrame {

    static final int WIDTH = 1280;
    static final int HEIGHT = 720;
    private static final int TARGET_BYTES = 110_000;

    private BenchFrame() {
    }

    static ImageData make() throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(42);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int noise = random.nextInt(24);
                int r = (x * 255 / WIDTH + noise) & 0xff;
                int g = (y * 255 / HEIGHT + noise) & 0xff;
                int b = ((x ^ y) & 0x7f) + noise;
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        byte[] best = null;
        for (float quality = 0.30f; quality <= 0.95f; quality += 0.05f) {
            byte[] jpeg = jpeg(image, quality);
            if (best == null || Math.abs(jpeg.length - TARGET_BYTES) < Math.abs(best.length - TARGET_BYTES)) {
                best = jpeg;
            }
        }
        return ImageData.jpeg(Metadata.create("bench_sensor", "bench", Metadata.now()), best, HEIGHT, WIDTH);
    }

    private static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
