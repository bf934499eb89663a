package org.msight.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.msight.api.data.MalformedDataException;

/**
 * Walks the headers of a MessagePack payload before the parser sees it: every length and count
 * must fit in the bytes left, nesting must stay within {@link MessageReader#MAX_DEPTH}, and one
 * value must fill the payload. The parser allocates what a header claims before reading it, so
 * without this walk eight bytes claiming 2 GiB would exhaust the heap. Each map, array and string
 * becomes an object of tens of bytes, so they are counted too: at most {@link #OBJECTS_BESIDE_BYTES}
 * plus one per {@link #BYTES_PER_OBJECT} bytes (a payload of one-byte empty maps would make 60
 * times its size). Strings must be UTF-8, as Python's msgpack requires them (the parser would put
 * U+FFFD in place of what is not). Map keys must be strings: the parser would make any other key
 * one (1 as "1"), where Python's msgpack refuses all but str and bin keys, and reads a bin key as
 * bytes, which a map of names cannot carry. Nothing is allocated or decoded here but a string that
 * is not ASCII, read by the JDK's strict decoder: lengths are skipped by arithmetic.
 */
final class MessagePackCheck {

    /** A few MB of heap at most: a message without an image may hold many short strings (ids, labels). */
    static final int OBJECTS_BESIDE_BYTES = 65_536;
    static final int BYTES_PER_OBJECT = 4;

    private final byte[] payload;
    private final long mostObjects;
    private int position;
    private long objects;

    private MessagePackCheck(byte[] payload) {
        this.payload = payload;
        this.mostObjects = OBJECTS_BESIDE_BYTES + payload.length / BYTES_PER_OBJECT;
    }

    /** @throws MalformedDataException when the payload is not one value that fits in it */
    static void requireWellFormed(byte[] payload) {
        if (payload == null) {
            throw new MalformedDataException("no payload (a record without a value)");
        }
        if (payload.length == 0) {
            return; // the reader says what is missing
        }
        MessagePackCheck check = new MessagePackCheck(payload);
        check.value(0);
        if (check.position < payload.length) {
            throw new MalformedDataException("extra data after the message");
        }
    }

    private void value(int depth) {
        if (depth > MessageReader.MAX_DEPTH) {
            throw MessageReader.tooDeep();
        }
        int at = position;
        int header = (int) unsigned(1);
        if (header <= 0x7f || header >= 0xe0) {
            return; // fixint
        }
        if (header <= 0x8f) {
            entries(header & 0x0f, depth, at);
        } else if (header <= 0x9f) {
            elements(header & 0x0f, depth, at);
        } else if (header <= 0xbf) {
            string(header & 0x1f, at);
        } else {
            switch (header) {
                case 0xc0, 0xc2, 0xc3 -> { } // nil, false, true
                case 0xc4 -> skip(unsigned(1), at); // bin 8
                case 0xc5 -> skip(unsigned(2), at);
                case 0xc6 -> skip(unsigned(4), at);
                case 0xd9 -> string(unsigned(1), at); // str 8
                case 0xda -> string(unsigned(2), at);
                case 0xdb -> string(unsigned(4), at);
                case 0xc7 -> skip(unsigned(1) + 1, at); // ext 8: length, then type and data
                case 0xc8 -> skip(unsigned(2) + 1, at);
                case 0xc9 -> skip(unsigned(4) + 1, at);
                case 0xcc, 0xd0 -> skip(1, at); // uint 8, int 8
                case 0xcd, 0xd1 -> skip(2, at);
                case 0xca, 0xce, 0xd2 -> skip(4, at); // float 32, uint 32, int 32
                case 0xcb, 0xcf, 0xd3 -> skip(8, at);
                case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> skip(1 + (1L << (header - 0xd4)), at); // fixext: type, data
                case 0xdc -> elements(unsigned(2), depth, at); // array 16
                case 0xdd -> elements(unsigned(4), depth, at);
                case 0xde -> entries(unsigned(2), depth, at); // map 16
                case 0xdf -> entries(unsigned(4), depth, at);
                default -> throw malformed("byte 0x" + Integer.toHexString(header) + " at " + at
                        + " is not a MessagePack header");
            }
        }
    }

    /** The big-endian unsigned number in the next {@code size} bytes. */
    private long unsigned(int size) {
        if (payload.length - position < size) {
            throw malformed("it ends inside a header at byte " + position);
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value = value << 8 | payload[position++] & 0xff;
        }
        return value;
    }

    private void skip(long bytes, int header) {
        requireLeft(bytes, "bytes", header);
        position += (int) bytes;
    }

    /** Skips a string of {@code bytes}, which must be UTF-8. */
    private void string(long bytes, int header) {
        counted(header);
        requireLeft(bytes, "bytes", header);
        if (!utf8(position, (int) bytes)) {
            throw malformed("the string at byte " + header + " is not UTF-8");
        }
        position += (int) bytes;
    }

    /**
     * Whether {@code length} bytes from {@code offset} are UTF-8, as the JDK's strict decoder and
     * Python read it (no overlong form, surrogate or code point past U+10FFFF); the decoder is
     * made only for a string that is not ASCII, as keys and names are.
     */
    private boolean utf8(int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (payload[i] < 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload, offset, length));
                    return true;
                } catch (CharacterCodingException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Counts one map, array or string against the payload's budget. */
    private void counted(int header) {
        if (++objects > mostObjects) {
            throw malformed("it holds more than " + mostObjects + " maps, arrays and strings for its size (at byte "
                    + header + "): at most " + OBJECTS_BESIDE_BYTES + " and one per " + BYTES_PER_OBJECT + " bytes");
        }
    }

    /** Checks {@code count} values, each of at least one byte, of an array. */
    private void elements(long count, int depth, int header) {
        counted(header);
        requireLeft(count, "values", header);
        for (long i = 0; i < count; i++) {
            value(depth + 1);
        }
    }

    /** Checks the {@code count} entries of a map, each a string key and a value. */
    private void entries(long count, int depth, int header) {
        counted(header);
        requireLeft(2 * count, "values", header);
        for (long i = 0; i < count; i++) {
            key(header);
            value(depth + 1);
        }
    }

    /** Checks a key of the map at byte {@code map}, which must be a string. */
    private void key(int map) {
        int at = position;
        int header = (int) unsigned(1);
        if (header >= 0xa0 && header <= 0xbf) {
            string(header & 0x1f, at); // fixstr
        } else if (header >= 0xd9 && header <= 0xdb) {
            string(unsigned(1 << (header - 0xd9)), at); // str 8, 16, 32
        } else {
            throw malformed("the key at byte " + at + " (of the map at byte " + map + ") is " + typeOf(header)
                    + ", not a string");
        }
    }

    /** The type of the value a header byte begins, but a string's. */
    private static String typeOf(int header) {
        if (header <= 0x7f || header >= 0xe0) {
            return "int";
        }
        if (header <= 0x9f) {
            return header <= 0x8f ? "map" : "array";
        }
        return switch (header) {
            case 0xc0 -> "nil";
            case 0xc2, 0xc3 -> "bool";
            case 0xc4, 0xc5, 0xc6 -> "bin";
            case 0xca, 0xcb -> "float";
            case 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3 -> "int";
            case 0xdc, 0xdd -> "array";
            case 0xde, 0xdf -> "map";
            case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> "ext";
            default -> "the never-used byte 0xc1";
        };
    }

    private void requireLeft(long needed, String what, int header) {
        int left = payload.length - position;
        if (needed > left) {
            throw malformed("the header at byte " + header + " claims " + needed + " " + what + " but " + left
                    + " bytes are left");
        }
    }

    private MalformedDataException malformed(String why) {
        return new MalformedDataException("not a valid MessagePack message (" + payload.length + " bytes): " + why);
    }
}
