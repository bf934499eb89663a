package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;

/** A source of frames for tests: ImageData around MSight's vector JPEG, as a camera node makes them. */
final class Frames {

    /** The JPEG of MSight's vectors (image_data.jpg), 16 x 8 pixels. */
    static final byte[] JPEG = load("/image_data.jpg");

    private Frames() {
    }

    /** A new frame of {@code sensor}, captured now. */
    static ImageData next(String sensor) {
        return ImageData.jpeg(Metadata.create(sensor, "edge-01", Metadata.now()), JPEG, 8, 16);
    }

    /** A test resource's bytes. */
    static byte[] load(String resource) {
        try (InputStream in = Frames.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
