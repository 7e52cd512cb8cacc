package dev.baton.api;

import dev.baton.config.TrustedPaths;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token for actions: generated once (32 random bytes, hex) into a file only the agent's
 * user can read (0600), then read from there at every start; the CLI reads the same file.
 */
public final class ApiToken {
    private static final Logger log = LoggerFactory.getLogger(ApiToken.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String FILE_NAME = "api.token";

    private final byte[] digest;

    private ApiToken(String token) {
        this.digest = sha256(token);
    }

    /** {@code <state_dir>/api.token} unless the config names a file. */
    public static Path defaultFile(Path stateDir) {
        return stateDir.resolve(FILE_NAME);
    }

    /**
     * Reads the token file, or creates it (atomically, 0600 from the first byte) when missing. A
     * file that others may read is narrowed to 0600 with a warning.
     *
     * @throws IOException when the file cannot be read or written, or is empty
     */
    public static ApiToken loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            narrowPermissions(file);
            return new ApiToken(read(file));
        }
        String token = HexFormat.of().formatHex(randomBytes());
        write(file, token);
        log.info("api: generated a new token in {} (mode 0600)", file);
        return new ApiToken(token);
    }

    /** The token in a file, trimmed (for the CLI and the agent alike). */
    public static String read(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw new IOException(file + " is empty: delete it and the agent generates a new token at its next start");
        }
        return token;
    }

    /**
     * Whether {@code presented} is the token. Both sides are hashed first, so the comparison takes
     * the same time whatever the presented value's length or content.
     */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    /**
     * The agent's answer to a client's challenge on one TCP connection ({@code GET /v1/proof}): an
     * HMAC keyed by the token's digest over the challenge and both ends of that connection. A
     * listener that is not the agent cannot make it; one that relays the challenge to the agent
     * over another connection gets an answer for another connection, which the client refuses.
     */
    public String proof(String challenge, InetSocketAddress client, InetSocketAddress server) {
        return proof(digest, challenge, client, server);
    }

    /** What the agent holding {@code token} answers to {@code challenge} (the client's side of {@link #proof}). */
    public static String expectedProof(String token, String challenge, InetSocketAddress client, InetSocketAddress server) {
        return proof(sha256(token), challenge, client, server);
    }

    private static String proof(byte[] key, String challenge, InetSocketAddress client, InetSocketAddress server) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(proofMessage(challenge, client, server)
                    .getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this Java runtime", e);
        }
    }

    /**
     * {@code baton-api-proof-v2 CHALLENGE CLIENT_PORT SERVER_PORT CLIENT_ADDRESS SERVER_ADDRESS}. The
     * ports alone did not tell two loopback connections apart: a local user holding the API's port on
     * the other loopback address (::1 beside the agent's 127.0.0.1, taken before the agent started)
     * relayed a client's challenge to the agent from the client's own port number, bound on the
     * agent's address, and got the token that came next. On loopback the addresses count too (in hex,
     * an IPv4-mapped address as IPv4); elsewhere they are "-", as a NAT in between may change them.
     */
    static String proofMessage(String challenge, InetSocketAddress client, InetSocketAddress server) {
        boolean loopback = server.getAddress() != null && server.getAddress().isLoopbackAddress();
        return "baton-api-proof-v2 " + challenge + " " + client.getPort() + " " + server.getPort() + " "
                + (loopback ? addressHex(client) : "-") + " " + (loopback ? addressHex(server) : "-");
    }

    private static String addressHex(InetSocketAddress a) {
        byte[] b = a.getAddress() == null ? new byte[0] : a.getAddress().getAddress();
        boolean mapped = b.length == 16 && b[10] == (byte) 0xff && b[11] == (byte) 0xff
                && java.util.Arrays.equals(b, 0, 10, new byte[10], 0, 10);
        return HexFormat.of().formatHex(mapped ? java.util.Arrays.copyOfRange(b, 12, 16) : b);
    }

    /** Compares two proofs in constant time. */
    public static boolean sameProof(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII),
                b.getBytes(StandardCharsets.US_ASCII));
    }

    private static void write(Path file, String token) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        TrustedPaths.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ch.write(java.nio.ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        // The umask may have narrowed the mode further; never wider than 0600.
        Files.setPosixFilePermissions(tmp, OWNER_ONLY);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp);
        }
    }

    private static void narrowPermissions(Path file) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(perms)) {
            log.warn("api: {} was readable by others ({}): set to 0600", file, PosixFilePermissions.toString(perms));
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
