package dev.baton.process.os;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A NULL-terminated {@code char *[]} (argv, envp) in UTF-8, whatever the JVM's default charset.
 *
 * <p>The pointer table and the strings live in one block, so nothing inside can be freed while the table is
 * reachable: the caller keeps the returned pointer reachable until the native call returns.
 */
final class NativeStringArray {
    private NativeStringArray() {
    }

    static Pointer of(List<String> strings) {
        Runtime runtime = LibC.runtime();
        int slot = runtime.addressSize();
        byte[][] encoded = new byte[strings.size()][];
        long size = (long) (strings.size() + 1) * slot;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = strings.get(i).getBytes(StandardCharsets.UTF_8);
            size += encoded[i].length + 1;
        }
        Pointer block = Memory.allocateDirect(runtime, size, true);
        long offset = (long) (strings.size() + 1) * slot;
        for (int i = 0; i < encoded.length; i++) {
            block.put(offset, encoded[i], 0, encoded[i].length); // the zeroed block supplies the NUL
            block.putAddress((long) i * slot, block.address() + offset);
            offset += encoded[i].length + 1;
        }
        return block; // the last slot stays 0: the NULL terminator
    }
}
