package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and unencrypted private keys without BouncyCastle. Netty takes PKCS#8 only,
 * but cfssl (Solana's guide) writes PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"): those are
 * wrapped into PKCS#8 here.
 */
final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");
    private static final byte[] VERSION_0 = hex("020100");

    private PemKeys() {
    }

    static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (certs.isEmpty()) {
                throw new GeneralSecurityException(file + " holds no certificate");
            }
            return certs;
        }
    }

    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher m = BLOCK.matcher(Files.readString(file));
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (m.group(1)) {
                case "PRIVATE KEY":
                    return pkcs8(der, "RSA", "EC", "Ed25519");
                case "RSA PRIVATE KEY":
                    return pkcs8(sequence(VERSION_0, RSA_ALGORITHM, tlv(0x04, der)), "RSA");
                case "EC PRIVATE KEY":
                    byte[] algorithm = tlv(0x30, concat(EC_PUBLIC_KEY_OID, sec1CurveOid(der)));
                    return pkcs8(sequence(VERSION_0, algorithm, tlv(0x04, der)), "EC");
                case "ENCRYPTED PRIVATE KEY":
                    throw new GeneralSecurityException(file + " is encrypted; baton needs an unencrypted key"
                            + " (openssl pkcs8 -in KEY -out KEY.plain), readable by root only");
                default:
                    // e.g. "EC PARAMETERS" before the key (openssl ecparam -genkey): skip it
            }
        }
        throw new GeneralSecurityException(file + " holds no PEM private key");
    }

    private static PrivateKey pkcs8(byte[] der, String... algorithms) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("unsupported private key", last);
    }

    /** The named-curve OID (tag 0x06 element) inside the [0] parameters of a SEC1 ECPrivateKey. */
    private static byte[] sec1CurveOid(byte[] der) throws GeneralSecurityException {
        Der outer = new Der(der, 0);
        Der child = new Der(der, outer.contentStart);
        while (child.end() <= outer.end()) {
            if (child.tag == 0xa0) {
                Der oid = new Der(der, child.contentStart);
                return Arrays.copyOfRange(der, oid.start, oid.end());
            }
            if (child.end() == outer.end()) {
                break;
            }
            child = new Der(der, child.end());
        }
        throw new GeneralSecurityException("EC key without named-curve parameters; convert it with openssl pkcs8 -topk8 -nocrypt");
    }

    /** One DER element's header: tag, where its content starts and how long it is. */
    private static final class Der {
        final int start;
        final int tag;
        final int contentStart;
        final int length;

        Der(byte[] der, int at) throws GeneralSecurityException {
            if (at + 2 > der.length) {
                throw new GeneralSecurityException("truncated DER");
            }
            start = at;
            tag = der[at] & 0xff;
            int first = der[at + 1] & 0xff;
            int pos = at + 2;
            int len = first;
            if (first > 0x80) {
                len = 0;
                for (int i = 0; i < (first & 0x7f); i++) {
                    len = (len << 8) | (der[pos++] & 0xff);
                }
            }
            contentStart = pos;
            length = len;
            if (end() > der.length) {
                throw new GeneralSecurityException("truncated DER");
            }
        }

        int end() {
            return contentStart + length;
        }
    }

    private static byte[] sequence(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] tlv(int tag, byte[] content) {
        int n = content.length;
        byte[] header;
        if (n < 0x80) {
            header = new byte[] {(byte) tag, (byte) n};
        } else if (n < 0x100) {
            header = new byte[] {(byte) tag, (byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            header = new byte[] {(byte) tag, (byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            header = new byte[] {(byte) tag, (byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        return concat(header, content);
    }

    private static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
