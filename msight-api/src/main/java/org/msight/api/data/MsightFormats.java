package org.msight.api.data;

import java.io.IOException;
import java.io.OutputStream;

/**
 * MSight's two forms of a message, byte for byte what Python MSight writes: the MessagePack map
 * its buses carry ({@code to_msgpack()}) and the JSON its HTTP sink posts ({@code to_json()}).
 * The runtime implements it with every data type its plugins provide; nodes get it from
 * {@link org.msight.api.NodeContext#formats()}, buses from
 * {@link org.msight.api.bus.BusContext#formats()}, so no plugin bundles a codec of its own.
 * Thread-safe.
 */
public interface MsightFormats {

    /** The MessagePack payload of one message, in an array of exactly its length. */
    byte[] toMessagePack(SensorData data);

    /** Writes the MessagePack payload of one message to {@code out}, left open. */
    void writeMessagePack(SensorData data, OutputStream out) throws IOException;

    /**
     * Writes the JSON form of one message to {@code out}, left open, as UTF-8; byte fields are
     * Base64-encoded while streaming, without a copy of the whole string.
     */
    void writeJson(SensorData data, OutputStream out) throws IOException;

    /** The exact length in bytes of what {@link #writeJson} writes, found without encoding. */
    long jsonLength(SensorData data);

    /**
     * A number as Python's {@code repr(float)} writes it: the shortest decimal that reads back as
     * the same double, always with a fractional part ({@code 1763353393.866798}, {@code 2.0}).
     */
    String pythonFloat(double value);

    /**
     * Reads one MessagePack payload, checking its lengths before allocating anything.
     *
     * @throws MalformedDataException when it is not one MSight message
     */
    SensorData fromMessagePack(byte[] payload);
}
