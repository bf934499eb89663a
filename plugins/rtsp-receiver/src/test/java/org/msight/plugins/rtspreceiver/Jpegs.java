package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
}
