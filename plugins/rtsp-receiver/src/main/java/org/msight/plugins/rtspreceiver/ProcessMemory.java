package org.msight.plugins.rtspreceiver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads this process's memory through {@code /proc/self/mem}, where an address that is not mapped
 * is an I/O error instead of a crash: for addresses read from text, which may name anything.
 */
final class ProcessMemory {

    private static final Path MEMORY = Path.of("/proc/self/mem");

    private ProcessMemory() {
    }

    /** The pointer stored at {@code address}; empty when that memory cannot be read. */
    static OptionalLong pointerAt(long address) {
        if (address <= 0) {
            return OptionalLong.empty();
        }
        ByteBuffer value = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
        try (FileChannel memory = FileChannel.open(MEMORY)) {
            while (value.hasRemaining()) {
                if (memory.read(value, address + value.position()) <= 0) {
                    return OptionalLong.empty();
                }
            }
            return OptionalLong.of(value.getLong(0));
        } catch (IOException | RuntimeException e) { // EIO: not mapped
            return OptionalLong.empty();
        }
    }
}
