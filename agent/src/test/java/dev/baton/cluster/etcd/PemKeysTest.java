package dev.baton.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three key formats operators have (openssl, cfssl RSA, cfssl ECDSA) load without BouncyCastle. */
class PemKeysTest {

    @Test
    void pkcs8Pkcs1AndSec1KeysLoad(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.create(dir);
        assertTrue(Files.readString(certs.clientKeyPkcs1()).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertTrue(Files.readString(certs.clientKeySec1()).contains("-----BEGIN EC PRIVATE KEY-----"));

        PrivateKey pkcs8 = PemKeys.privateKey(certs.clientKeyPkcs8());
        PrivateKey pkcs1 = PemKeys.privateKey(certs.clientKeyPkcs1());
        assertEquals("RSA", pkcs8.getAlgorithm());
        assertEquals(((RSAPrivateCrtKey) pkcs8).getModulus(), ((RSAPrivateCrtKey) pkcs1).getModulus());
        assertEquals("EC", PemKeys.privateKey(certs.clientKeySec1()).getAlgorithm());
        assertEquals(1, PemKeys.certificates(certs.clientCert()).size());
        // Netty accepts what we built (mTLS itself is exercised in MutualTlsTest).
        EtcdClients.sslContext(new TlsFiles(certs.ca(), certs.clientEcCert(), certs.clientKeySec1()));
    }

    @Test
    void encryptedKeysAreRefusedWithAHint(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("enc.key");
        Files.writeString(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> PemKeys.privateKey(key));
        assertTrue(e.getMessage().contains("is encrypted"), e.getMessage());
    }
}
