package dev.baton.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {
    @TempDir
    Path dir;

    @Test
    void generatedOnceWithMode0600() throws IOException {
        Path file = dir.resolve("state/api.token");
        ApiToken first = ApiToken.loadOrCreate(file);
        String token = ApiToken.read(file);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(token.matches("[0-9a-f]{64}"), token);
        assertTrue(first.matches(token));

        ApiToken second = ApiToken.loadOrCreate(file);
        assertEquals(token, ApiToken.read(file), "an existing token is kept");
        assertTrue(second.matches(token));
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }

    @Test
    void onlyTheExactTokenMatches() throws IOException {
        ApiToken t = ApiToken.loadOrCreate(dir.resolve("api.token"));
        String token = ApiToken.read(dir.resolve("api.token"));
        assertFalse(t.matches(null));
        assertFalse(t.matches(""));
        assertFalse(t.matches(token.substring(1)));
        assertFalse(t.matches(token + "0"));
        assertFalse(t.matches(token.toUpperCase()));
    }

    @Test
    void aTokenFileReadableByOthersIsNarrowedTo0600() throws IOException {
        Path file = dir.resolve("api.token");
        Files.writeString(file, "an-operator-chosen-token\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        ApiToken t = ApiToken.loadOrCreate(file);

        assertTrue(t.matches("an-operator-chosen-token"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void anEmptyTokenFileIsRefused() throws IOException {
        Path file = dir.resolve("api.token");
        Files.writeString(file, "\n");
        IOException e = assertThrows(IOException.class, () -> ApiToken.loadOrCreate(file));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void theProofIsTheTokensAndTheConnectionsOnly() throws IOException {
        Path file = dir.resolve("proof/api.token");
        ApiToken token = ApiToken.loadOrCreate(file);
        String secret = ApiToken.read(file);
        String challenge = "00112233445566778899aabbccddeeff";
        InetSocketAddress client = at("127.0.0.1", 40000);
        InetSocketAddress server = at("127.0.0.1", 9176);
        String proof = token.proof(challenge, client, server);
        assertTrue(ApiToken.sameProof(proof, ApiToken.expectedProof(secret, challenge, client, server)));
        assertTrue(ApiToken.sameProof(proof, ApiToken.expectedProof(secret, challenge, at("::ffff:127.0.0.1", 40000),
                server)), "an IPv4-mapped address is its IPv4 address");
        assertFalse(ApiToken.sameProof(proof, ApiToken.expectedProof(secret, challenge, at("127.0.0.1", 40001), server)),
                "another connection");
        assertFalse(ApiToken.sameProof(proof, ApiToken.expectedProof(secret, challenge, client, at("127.0.0.1", 9177))),
                "another port");
        assertFalse(ApiToken.sameProof(proof, ApiToken.expectedProof(secret + "x", challenge, client, server)), "another token");
        assertFalse(ApiToken.sameProof(proof, token.proof("ffeeddccbbaa99887766554433221100", client, server)));
        assertFalse(proof.contains(secret));
    }

    /**
     * The same port numbers on the other loopback address are another connection: a user holding
     * [::1]:9176 relayed a client's challenge to the agent on 127.0.0.1:9176 from the client's own
     * port number and got a proof the client took for the agent's.
     */
    @Test
    void onLoopbackTheAddressesCountAndElsewhereOnlyThePorts() throws IOException {
        ApiToken token = ApiToken.loadOrCreate(dir.resolve("api.token"));
        String secret = ApiToken.read(dir.resolve("api.token"));
        String challenge = "00112233445566778899aabbccddeeff";
        String relayed = token.proof(challenge, at("127.0.0.1", 40000), at("127.0.0.1", 9176));
        assertFalse(ApiToken.sameProof(relayed, ApiToken.expectedProof(secret, challenge, at("::1", 40000), at("::1", 9176))));
        assertFalse(ApiToken.sameProof(relayed, ApiToken.expectedProof(secret, challenge, at("127.0.0.1", 40000),
                at("127.0.0.2", 9176))));
        // A remote client behind a NAT sees other addresses than the agent does: its ports still prove the connection
        String remote = token.proof(challenge, at("10.0.0.7", 40000), at("172.17.0.2", 9176));
        assertTrue(ApiToken.sameProof(remote, ApiToken.expectedProof(secret, challenge, at("192.168.1.9", 40000),
                at("203.0.113.5", 9176))));
    }

    private static InetSocketAddress at(String address, int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(address), port);
    }
}
