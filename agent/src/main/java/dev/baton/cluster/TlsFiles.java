package dev.baton.cluster;

import java.nio.file.Path;

/**
 * mTLS material for etcd, as in Solana's failover guide: the CA that signed etcd's certificate and
 * this host's client certificate and key (PEM; the key may be PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted).
 */
public record TlsFiles(Path ca, Path cert, Path key) {
}
