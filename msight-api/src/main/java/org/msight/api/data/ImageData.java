package org.msight.api.data;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * An image: MSight's {@code ImageData}. The bytes are a JPEG when {@link #encoded()}, else raw
 * BGR pixels, row by row. The array is shared, never copied: do not modify it.
 */
public final class ImageData extends SensorData {

    /** MSight's tag. */
    public static final String TAG = "msight_core.data.image.ImageData";

    /** Reads image messages. */
    public static final DataType TYPE = DataType.of(TAG, ImageData::read);

    private final byte[] image;
    private final boolean encoded;
    private final int height;
    private final int width;
    private final int channels;
    private final Object detectionResults;

    /**
     * @param image JPEG bytes, or raw BGR pixels when not encoded
     * @param encoded whether {@code image} is a JPEG
     * @param detectionResults a JSON-like value a detector attached, usually {@code null}
     */
    public ImageData(Metadata metadata, byte[] image, boolean encoded, int height, int width, int channels,
            Object detectionResults) {
        super(metadata);
        this.image = Objects.requireNonNull(image, "image");
        this.encoded = encoded;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.detectionResults = detectionResults;
    }

    /** A JPEG image of three channels without detection results. */
    public static ImageData jpeg(Metadata metadata, byte[] jpeg, int height, int width) {
        return new ImageData(metadata, jpeg, true, height, width, 3, null);
    }

    /**
     * The image {@code data} is: itself, or the typed reading of a {@link GenericData} (MSight's
     * grayscale images and those with integer timestamps arrive generic); empty when it is none.
     */
    public static Optional<ImageData> in(SensorData data) {
        SensorData typed = data instanceof GenericData generic ? generic.typed().orElse(data) : data;
        return typed instanceof ImageData image ? Optional.of(image) : Optional.empty();
    }

    /** The image bytes; shared, do not modify. */
    public byte[] image() {
        return image;
    }

    /** Whether {@link #image()} is a JPEG. */
    public boolean encoded() {
        return encoded;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Channels per pixel (3 for BGR). */
    public int channels() {
        return channels;
    }

    /** What a detector attached, or {@code null}. */
    public Object detectionResults() {
        return detectionResults;
    }

    @Override
    public String typeTag() {
        return TAG;
    }

    @Override
    public void writeFields(FieldWriter out) throws IOException {
        out.writeBytes("image", image);
        out.writeBoolean("is_encoded", encoded);
        out.writeValue("detection_results", detectionResults);
        out.writeIntArray("size", height, width, channels);
    }

    private static ImageData read(Metadata metadata, Fields fields) {
        int[] size = fields.intArray("size");
        if (size.length != 3 && size.length != 2) {
            throw new MalformedDataException("field 'size' should be [height, width, channels] or [height, width]"
                    + " but has " + size.length + " elements");
        }
        // [height, width] is a grayscale image (OpenCV's shape of one channel)
        return new ImageData(metadata, fields.bytes("image"), fields.bool("is_encoded"), size[0], size[1],
                size.length == 3 ? size[2] : 1, fields.value("detection_results"));
    }
}
