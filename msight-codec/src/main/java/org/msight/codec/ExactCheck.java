package org.msight.codec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.msight.api.data.FieldWriter;
import org.msight.api.data.SensorData;

/**
 * Whether a typed message writes back exactly the fields it was read from: the same names in
 * the same order, each value of the same kind and equal. It walks the decoded map while the
 * message writes itself, copying nothing (an image's bytes are the decoded array itself).
 */
final class ExactCheck implements FieldWriter {

    private final Iterator<Map.Entry<String, Object>> decoded;
    private final boolean base64Bytes;
    private boolean same = true;

    private ExactCheck(Map<String, Object> decoded, boolean base64Bytes) {
        this.decoded = decoded.entrySet().iterator();
        this.base64Bytes = base64Bytes;
    }

    /**
     * @param base64Bytes whether the decoded bytes are Base64 strings (the JSON form)
     */
    static boolean writesBack(SensorData typed, Map<String, Object> decoded, boolean base64Bytes) {
        ExactCheck check = new ExactCheck(decoded, base64Bytes);
        try {
            typed.writeMessage(check);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // nothing here does I/O
        } catch (RuntimeException e) {
            return false; // a type that cannot write itself is not exact
        }
        return check.same && !check.decoded.hasNext();
    }

    private void field(String name, Object value) {
        if (!same) {
            return;
        }
        if (!decoded.hasNext()) {
            same = false;
            return;
        }
        Map.Entry<String, Object> next = decoded.next();
        same = next.getKey().equals(name) && equal(value, next.getValue());
    }

    private boolean equal(Object written, Object read) {
        if (written == null || read == null) {
            return written == read;
        }
        if (written instanceof byte[] bytes) {
            return read instanceof byte[] readBytes ? Arrays.equals(bytes, readBytes)
                    : base64Bytes && read.equals(Base64.getEncoder().encodeToString(bytes));
        }
        if (written instanceof Double || written instanceof Float || written instanceof BigDecimal) {
            // written as a MessagePack float 64
            return read instanceof Double d && Double.compare(d, ((Number) written).doubleValue()) == 0;
        }
        if (written instanceof BigInteger big) {
            return big.bitLength() < 64 ? read instanceof Long l && l == big.longValue() : big.equals(read);
        }
        if (written instanceof Number n) {
            return read instanceof Long l && l == n.longValue();
        }
        if (written instanceof List<?> list) {
            if (!(read instanceof List<?> readList) || readList.size() != list.size()) {
                return false;
            }
            for (int i = 0; i < list.size(); i++) {
                if (!equal(list.get(i), readList.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (written instanceof Map<?, ?> map) {
            if (!(read instanceof Map<?, ?> readMap) || readMap.size() != map.size()) {
                return false;
            }
            Iterator<? extends Map.Entry<?, ?>> readEntries = readMap.entrySet().iterator();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                Map.Entry<?, ?> readEntry = readEntries.next();
                if (!entry.getKey().equals(readEntry.getKey()) || !equal(entry.getValue(), readEntry.getValue())) {
                    return false;
                }
            }
            return true;
        }
        return written.equals(read); // String, Boolean
    }

    @Override
    public void writeString(String name, String value) {
        field(name, value);
    }

    @Override
    public void writeDouble(String name, double value) {
        field(name, value);
    }

    @Override
    public void writeLong(String name, long value) {
        field(name, value);
    }

    @Override
    public void writeBoolean(String name, boolean value) {
        field(name, value);
    }

    @Override
    public void writeBytes(String name, byte[] value) {
        field(name, value);
    }

    @Override
    public void writeIntArray(String name, int... values) {
        field(name, Arrays.stream(values).boxed().toList());
    }

    @Override
    public void writeValue(String name, Object value) {
        field(name, value);
    }
}
