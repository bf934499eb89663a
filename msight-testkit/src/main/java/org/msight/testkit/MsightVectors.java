package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MSight's MessagePack vectors, made by Python MSight itself ({@code shared/msight-compat/vectors}):
 * what a bus must carry byte for byte.
 */
public final class MsightVectors {

    private static final List<String> NAMES = List.of("image_data", "image_data_raw", "image_gray",
            "image_raw_int_ts", "bytes_data", "weather_data");

    private MsightVectors() {
    }

    /** Every MessagePack vector by name ({@code image_data}, ...), in a fixed order. */
    public static Map<String, byte[]> messagePack() {
        Map<String, byte[]> vectors = new LinkedHashMap<>();
        for (String name : NAMES) {
            try (InputStream in = MsightVectors.class.getResourceAsStream("vectors/" + name + ".msgpack")) {
                vectors.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vectors;
    }
}
