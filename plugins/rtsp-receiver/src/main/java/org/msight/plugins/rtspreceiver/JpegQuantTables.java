package org.msight.plugins.rtspreceiver;

/**
 * JPEG quantization tables for a quality from 1 to 100, scaled the way libjpeg (and so OpenCV's
 * {@code IMWRITE_JPEG_QUALITY}, which MSight uses) scales the tables of the JPEG standard, so a
 * quality gives images of the size MSight users know. Tables are in natural (row by row) order.
 */
final class JpegQuantTables {

    /** Table K.1 of the JPEG standard (ITU T.81), luminance. */
    private static final int[] LUMINANCE = {
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    };

    /** Table K.2 of the JPEG standard, chrominance. */
    private static final int[] CHROMINANCE = {
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    };

    private JpegQuantTables() {
    }

    /** The luminance table for {@code quality}. */
    static int[] luminance(int quality) {
        return scale(LUMINANCE, quality);
    }

    /** The chrominance table for {@code quality}. */
    static int[] chrominance(int quality) {
        return scale(CHROMINANCE, quality);
    }

    private static int[] scale(int[] base, int quality) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be from 1 to 100, not " + quality);
        }
        int percent = quality < 50 ? 5000 / quality : 200 - 2 * quality;
        int[] table = new int[base.length];
        for (int i = 0; i < base.length; i++) {
            table[i] = Math.min(255, Math.max(1, (base[i] * percent + 50) / 100));
        }
        return table;
    }
}
