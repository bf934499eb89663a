package org.msight.api.data;

import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The decoded fields of one message, in the order they arrived, read by a {@link DataType} and
 * kept by {@link GenericData}. Each value keeps the kind MessagePack gave it: nil as {@code null},
 * str as {@link String}, bin as {@code byte[]}, int as {@link Long} ({@link java.math.BigInteger}
 * past {@code Long.MAX_VALUE}), float as {@link Double}, bool as {@link Boolean}, array as
 * {@link List}, map as {@link Map} with its keys in order. Typed getters throw
 * {@link MalformedDataException} naming the field when it is missing or of another type.
 */
public final class Fields {

    private final Map<String, Object> values;

    /** @param values field name to decoded value, in order; not copied, do not modify */
    public Fields(Map<String, Object> values) {
        this.values = values;
    }

    /** The field names, in the order they arrived. */
    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** Whether the field is present (even as nil). */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The raw value, {@code null} when absent or nil. */
    public Object value(String name) {
        return values.get(name);
    }

    /** A string, or {@code null} for nil or absent. */
    public String string(String name) {
        Object value = values.get(name);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw wrongType(name, "a string", value);
    }

    /** A number as a double. */
    public double float64(String name) {
        return number(name).doubleValue();
    }

    /** A whole number. */
    public long int64(String name) {
        Number number = number(name);
        if (number instanceof Double || number instanceof Float) {
            throw wrongType(name, "an integer", number);
        }
        return number.longValue();
    }

    /** A boolean. */
    public boolean bool(String name) {
        Object value = present(name);
        if (value instanceof Boolean b) {
            return b;
        }
        throw wrongType(name, "a boolean", value);
    }

    /** Bytes: MessagePack {@code bin}, or a Base64 string as in the JSON form. */
    public byte[] bytes(String name) {
        Object value = present(name);
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof String base64) {
            try {
                return Base64.getDecoder().decode(base64);
            } catch (IllegalArgumentException e) {
                throw new MalformedDataException("field '" + name + "' is not valid Base64");
            }
        }
        throw wrongType(name, "bytes", value);
    }

    /** An array of integers of 32 bits (a larger one would be cut, and the reading no longer the message's). */
    public int[] intArray(String name) {
        Object value = present(name);
        if (value instanceof List<?> list) {
            int[] ints = new int[list.size()];
            for (int i = 0; i < ints.length; i++) {
                if (!(list.get(i) instanceof Number n) || !(n instanceof Long || n instanceof Integer)
                        || n.longValue() != n.intValue()) {
                    throw wrongType(name, "an array of integers of 32 bits", value);
                }
                ints[i] = n.intValue();
            }
            return ints;
        }
        throw wrongType(name, "an array of integers", value);
    }

    private Number number(String name) {
        Object value = present(name);
        if (value instanceof Number n) {
            return n;
        }
        throw wrongType(name, "a number", value);
    }

    private Object present(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new MalformedDataException(values.containsKey(name)
                    ? "field '" + name + "' is nil" : "field '" + name + "' is missing");
        }
        return value;
    }

    private static MalformedDataException wrongType(String name, String expected, Object actual) {
        return new MalformedDataException("field '" + name + "' should be " + expected + " but is "
                + actual.getClass().getSimpleName());
    }
}
