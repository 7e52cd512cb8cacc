package dev.baton.process.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/**
 * The SHA-256 of a file, with OpenSSL's libcrypto when the host has it, else the JDK's.
 *
 * <p>Why not just the JDK: the agent runs its JIT at C1 only (bin/baton), and C1 has no SHA-256
 * intrinsic: {@link MessageDigest} then hashes ~180 MB/s on this kind of machine, ~0.55 s of CPU for a
 * 100 MB engine binary, where libcrypto (SHA-NI or AVX2) takes ~70 ms. Every Debian and Ubuntu host
 * has libcrypto (libssl3 or libssl1.1); a slim container image may not, and then the JDK's is used.
 * Either gives the same digest ({@code FileSha256Test}).
 */
final class FileSha256 {
    private static final int CHUNK = 256 * 1024;

    /** OpenSSL's EVP digest calls (1.1 and 3.x), bound by jnr-ffi. */
    public interface Crypto {
        Pointer EVP_MD_CTX_new();

        void EVP_MD_CTX_free(Pointer ctx);

        Pointer EVP_sha256();

        int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

        int EVP_DigestUpdate(Pointer ctx, @In ByteBuffer data, @size_t long count);

        int EVP_DigestFinal_ex(Pointer ctx, @Out byte[] md, @Out int[] size);
    }

    /** libcrypto, or null when the host has none that binds (then the JDK hashes). */
    private static final Crypto CRYPTO = load();
    /**
     * libcrypto's input, reused (guarded by the class): direct memory is capped (bin/baton's
     * MaxDirectMemorySize) and freed only by a collection, so not one buffer per file.
     */
    private static ByteBuffer direct;

    private FileSha256() {
    }

    /** The lower-case hex SHA-256 of {@code file}'s bytes. */
    static String of(Path file) throws IOException {
        return of(file, true);
    }

    /** True when libcrypto does the hashing on this host. */
    static boolean usesLibcrypto() {
        return CRYPTO != null;
    }

    /** {@link #of(Path)}, with libcrypto only when {@code useLibcrypto} (tests compare the two). */
    static synchronized String of(Path file, boolean useLibcrypto) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] digest = useLibcrypto && CRYPTO != null ? withLibcrypto(in) : withJdk(in);
            return HexFormat.of().formatHex(digest);
        }
    }

    private static byte[] withLibcrypto(FileChannel in) throws IOException {
        if (direct == null) {
            direct = ByteBuffer.allocateDirect(CHUNK);
        }
        ByteBuffer buf = direct;
        Pointer ctx = CRYPTO.EVP_MD_CTX_new();
        if (ctx == null) {
            return withJdk(in);
        }
        try {
            check(CRYPTO.EVP_DigestInit_ex(ctx, CRYPTO.EVP_sha256(), null), "EVP_DigestInit_ex");
            while (in.read(buf.clear()) >= 0) {
                if (buf.position() > 0) {
                    check(CRYPTO.EVP_DigestUpdate(ctx, buf.flip(), buf.remaining()), "EVP_DigestUpdate");
                }
            }
            byte[] md = new byte[32];
            int[] size = new int[1];
            check(CRYPTO.EVP_DigestFinal_ex(ctx, md, size), "EVP_DigestFinal_ex");
            if (size[0] != md.length) {
                throw new IOException("libcrypto gave a SHA-256 of " + size[0] + " bytes");
            }
            return md;
        } finally {
            CRYPTO.EVP_MD_CTX_free(ctx);
        }
    }

    private static void check(int ok, String call) throws IOException {
        if (ok != 1) {
            throw new IOException(call + " failed");
        }
    }

    private static byte[] withJdk(FileChannel in) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (in.read(buf.clear()) >= 0) {
                sha.update(buf.flip());
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Binds every call at load time (a libcrypto without them, or none, gives null), from the runtime
     * package's versioned names first: the unversioned libcrypto.so comes only with the -dev package.
     */
    private static Crypto load() {
        for (String name : new String[] {"libcrypto.so.3", "libcrypto.so.1.1", "crypto"}) {
            try {
                Crypto c = LibraryLoader.create(Crypto.class).failImmediately().load(name);
                if (c.EVP_sha256() != null) {
                    return c;
                }
            } catch (LinkageError | RuntimeException e) {
                // not this one
            }
        }
        return null;
    }
}
