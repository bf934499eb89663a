package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.msight.api.data.ImageData;

/** Checks on published images, decoding their JPEGs with the JDK's own decoder. */
final class Jpegs {

    private Jpegs() {
    }

    /** Decodes the image's JPEG and checks it has the size the message claims. */
    static BufferedImage decode(ImageData image) {
        assertThat(image.encoded()).isTrue();
        assertThat(image.channels()).isEqualTo(3);
        try {
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.image()));
            assertThat(decoded).as("a decodable JPEG").isNotNull();
            assertThat(decoded.getWidth()).isEqualTo(image.width());
            assertThat(decoded.getHeight()).isEqualTo(image.height());
            return decoded;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The markers of the segments before the scan, in order (0xE0 for APP0, 0xFE for a comment,
     * 0xDB for quantization tables...), after checking the JPEG starts with SOI.
     */
    static List<Integer> headerMarkers(byte[] jpeg) {
        assertThat(jpeg[0] & 0xFF).isEqualTo(0xFF);
        assertThat(jpeg[1] & 0xFF).as("SOI").isEqualTo(0xD8);
        List<Integer> markers = new ArrayList<>();
        int at = 2;
        while (true) {
            assertThat(jpeg[at] & 0xFF).as("a marker at byte " + at).isEqualTo(0xFF);
            int marker = jpeg[at + 1] & 0xFF;
            markers.add(marker);
            if (marker == 0xDA) {
                return markers;
            }
            at += 2 + ((jpeg[at + 2] & 0xFF) << 8 | jpeg[at + 3] & 0xFF);
        }
    }
}
