package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msight.api.data.MalformedDataException;

/** Hostile MessagePack: headers that claim more than the payload holds, and deep nesting. */
class MalformedMessagePackTest {

    private final MsightCodec codec = MsightCodec.withBuiltInTypes();

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    /** Each payload is a map {"a": value} whose value's header claims far more than follows it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "bin32 of 2 GiB, 81 a1 61 c6 7f ff ff ff",
        "bin32 of 1 GiB, 81 a1 61 c6 40 00 00 00",
        "str32 of 2 GiB, 81 a1 61 db 7f ff ff ff",
        "str16 of 64 KiB, 81 a1 61 da ff ff 61",
        "ext32 of 2 GiB, 81 a1 61 c9 7f ff ff ff 01",
        "ext8 of 255 bytes, 81 a1 61 c7 ff 01 00",
        "array32 of 4 G elements, 81 a1 61 dd ff ff ff ff 00",
        "map32 of 4 G entries, 81 a1 61 df ff ff ff ff 00 00",
        "map16 of 2 entries in 2 bytes, de 00 02 c0 c0",
    })
    void headersClaimingMoreThanThePayloadHoldsAreMalformedAndAllocateNothing(String what, String hex) {
        byte[] payload = HexFormat.ofDelimiter(" ").parseHex(hex);
        long before = allocatedBytes();
        assertThatThrownBy(() -> codec.fromMessagePack(payload)).isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("not a valid MessagePack message (" + payload.length + " bytes): ")
                .hasMessageContaining("claims");
        assertThat(allocatedBytes() - before).as("bytes allocated").isLessThan(1 << 20);
    }

    /** Python's msgpack refuses a string that is not UTF-8; the parser would put U+FFFD in its place. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "a byte no UTF-8 has, 81 a1 61 a1 ff",
        "a lone surrogate, 81 a1 61 a3 ed a0 80",
        "an overlong form of NUL, 81 a1 61 a2 c0 80",
        "past U+10FFFF, 81 a1 61 a4 f4 90 80 80",
        "a sequence cut short, 81 a1 61 a2 e2 82",
        "in a key, 81 a2 61 ff c0",
    })
    void stringsThatAreNotUtf8AreMalformed(String what, String hex) {
        byte[] payload = HexFormat.ofDelimiter(" ").parseHex(hex);
        assertThatThrownBy(() -> codec.fromMessagePack(payload)).isInstanceOf(MalformedDataException.class)
                .hasMessageEndingWith("is not UTF-8");
    }

    /**
     * Python's msgpack reads str and bin keys only, and a bin key as bytes, which a map of names
     * cannot hold: the parser made any key a name ({1: "x"} read as {"1": "x"}), so a message
     * Python cannot read was taken as valid and passed on with a str key. From Python's
     * {@code msgpack.packb({"a": {key: "x"}})}; the last, {@code {1: "x"}} at the top.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "int, 81 a1 61 81 01 a1 78, 4",
        "float, 81 a1 61 81 cb 43 41 c3 79 37 e0 80 00 a1 78, 4",
        "bool, 81 a1 61 81 c3 a1 78, 4",
        "nil, 81 a1 61 81 c0 a1 78, 4",
        "bin, 81 a1 61 81 c4 01 6b a1 78, 4",
        "array, 81 a1 61 81 91 01 a1 78, 4",
        "int, 81 01 a1 78, 1",
    })
    void mapKeysThatAreNotStringsAreMalformed(String type, String hex, int at) {
        byte[] payload = HexFormat.ofDelimiter(" ").parseHex(hex);
        assertThatThrownBy(() -> codec.fromMessagePack(payload)).isInstanceOf(MalformedDataException.class)
                .hasMessage("not a valid MessagePack message (" + payload.length + " bytes): the key at byte " + at
                        + " (of the map at byte " + (at - 1) + ") is " + type + ", not a string");
    }

    /** MSight's ImageData whose detection results Python packed with an int key: it passed as the typed image. */
    @Test
    void aTypedImageWithAnIntKeyNestedIsMalformed() {
        byte[] payload = HexFormat.of().parseHex("8aa9646174615f74797065d9206d73696768745f636f72652e646174612e696d61"
                + "67652e496d61676544617461ab73656e736f725f6e616d65a363616db1636170747572655f74696d657374616d70cb3ff800"
                + "0000000000b26372656174696f6e5f74696d657374616d70cb4004000000000000a86672616d655f696407ab646576696365"
                + "5f6e616d65a7656467652d3031a5696d616765c402ffd8aa69735f656e636f646564c3b1646574656374696f6e5f726573"
                + "756c74738101a3636172a473697a6593010103");
        assertThatThrownBy(() -> codec.fromMessagePack(payload)).isInstanceOf(MalformedDataException.class)
                .hasMessageEndingWith("is int, not a string");
    }

    @Test
    void keysOfEveryStringHeaderPassTheCheck() {
        // {"a": nil, "b": nil, "c": nil, "d": nil}: fixstr, str 8, str 16 and str 32 keys
        MessagePackCheck.requireWellFormed(HexFormat.ofDelimiter(" ").parseHex(
                "84 a1 61 c0 d9 01 62 c0 da 00 01 63 c0 db 00 00 00 01 64 c0"));
    }

    @Test
    void stringsOfEveryUtf8LengthPassTheCheck() {
        // {"a": "é€😀"}: two, three and four bytes
        MessagePackCheck.requireWellFormed(HexFormat.ofDelimiter(" ").parseHex("81 a1 61 a9 c3 a9 e2 82 ac f0 9f 98 80"));
    }

    /**
     * A payload of one-byte empty maps would become some 60 times its size on the heap: past one
     * map, array or string per four bytes (beside 65,536), it is malformed, before anything is made.
     */
    @Test
    void aPayloadOfMoreMapsArraysAndStringsThanItsSizeAllowsIsMalformedAndAllocatesNothing() {
        int maps = 4_000_000;
        byte[] payload = new byte[8 + maps];
        System.arraycopy(HexFormat.ofDelimiter(" ").parseHex("81 a1 61 dd"), 0, payload, 0, 4);
        payload[4] = (byte) (maps >>> 24);
        payload[5] = (byte) (maps >>> 16);
        payload[6] = (byte) (maps >>> 8);
        payload[7] = (byte) maps;
        Arrays.fill(payload, 8, payload.length, (byte) 0x80);
        long before = allocatedBytes();
        assertThatThrownBy(() -> codec.fromMessagePack(payload)).isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("maps, arrays and strings for its size");
        assertThat(allocatedBytes() - before).as("bytes allocated").isLessThan(1 << 20);
        int within = 65_000; // within the budget: as many empty maps, or short strings (labels, ids)
        byte[] fewer = Arrays.copyOf(payload, 8 + within);
        fewer[4] = 0;
        fewer[5] = (byte) (within >>> 16);
        fewer[6] = (byte) (within >>> 8);
        fewer[7] = (byte) within;
        MessagePackCheck.requireWellFormed(fewer);
    }

    @Test
    void everyKindOfHeaderPassesTheCheck() throws IOException {
        MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
        int[] sizes = {0, 5, 31, 32, 255, 256, 65535, 65536};
        packer.packArrayHeader(10 + 4 * sizes.length + 8);
        packer.packNil().packBoolean(true).packBoolean(false).packLong(-1).packLong(200).packLong(-200)
                .packLong(70_000).packLong(5_000_000_000L).packFloat(1.5f).packDouble(2.5);
        for (int size : sizes) {
            packer.packString("s".repeat(size));
            packer.packBinaryHeader(size).writePayload(new byte[size]);
            packer.packArrayHeader(size);
            for (int i = 0; i < size; i++) {
                packer.packNil();
            }
            packer.packMapHeader(size);
            for (int i = 0; i < size; i++) {
                packer.packString(String.valueOf(i)).packNil();
            }
        }
        for (int size : new int[] {1, 2, 4, 8, 16, 3, 256, 65536}) { // fixext, then ext 8, 16 and 32
            packer.packExtensionTypeHeader((byte) 1, size).writePayload(new byte[size]);
        }
        byte[] payload = packer.toByteArray();
        MessagePackCheck.requireWellFormed(payload);
        assertThatThrownBy(() -> MessagePackCheck.requireWellFormed(Arrays.copyOf(payload,
                payload.length - 1))).isInstanceOf(MalformedDataException.class);
    }

    @Test
    void noPayloadAtAllIsMalformed() {
        // a Kafka record without a value (a tombstone) reaches the codec as null
        assertThatThrownBy(() -> codec.fromMessagePack(null)).isInstanceOf(MalformedDataException.class)
                .hasMessage("no payload (a record without a value)");
    }

    @Test
    void nestingDeeperThanTheLimitIsMalformed() {
        byte[] deep = HexFormat.of().parseHex("81a161".repeat(100) + "c0");
        assertThatThrownBy(() -> codec.fromMessagePack(deep)).isInstanceOf(MalformedDataException.class)
                .hasMessage("payload nests deeper than 64 levels");
    }

    @Test
    void truncatedNumbersAndTheNeverUsedByteAreMalformed() {
        for (String hex : new String[] {"81a161cb0000", "81a161cd00", "81a161d7010203", "81a161c1"}) {
            assertThatThrownBy(() -> codec.fromMessagePack(HexFormat.of().parseHex(hex))).as(hex)
                    .isInstanceOf(MalformedDataException.class)
                    .hasMessageStartingWith("not a valid MessagePack message (");
        }
    }
}
