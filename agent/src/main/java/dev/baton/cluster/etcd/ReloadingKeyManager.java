package dev.baton.cluster.etcd;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's certificate and key for a TLS handshake (etcd's client certificate, the failsafe peer channel),
 * read again from their files whenever they changed: certificates are renewed in place (cfssl, certbot, an
 * internal CA's agent), and a key pair read once at start would be used until the agent restarts. Once the old
 * certificate has expired (or been revoked), the next reconnection (etcd restarted, a network blip) would fail:
 * the holder would fence and the validator stop for no other reason than a renewed certificate.
 *
 * <p>The files are checked at each handshake (their size and modification time); a new pair is used only when
 * both parse and the certificate's public key belongs to the private key, so a renewal caught half-written (the
 * certificate replaced, not yet the key) keeps the previous pair until the next handshake. Each pair has its own
 * alias, so one handshake never mixes the certificate of one pair with the key of another.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
    private static final byte[] PROBE = "baton key pair check".getBytes(StandardCharsets.US_ASCII);
    private static final int KEPT = 4; // pairs a handshake in progress may still name

    private final Path certFile;
    private final Path keyFile;
    private final Map<String, Pair> pairs = new LinkedHashMap<>();
    private Pair current;
    private List<Object> failedStamps;
    private int generation;

    private record Pair(String alias, List<Object> stamps, X509Certificate[] chain, PrivateKey key) {
    }

    /**
     * @throws IOException              when the files cannot be read
     * @throws GeneralSecurityException when they hold no usable certificate and key, or the two do not belong together
     */
    ReloadingKeyManager(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        use(load(stamps()));
    }

    private synchronized Pair currentPair() {
        try {
            List<Object> stamps = stamps();
            if (!stamps.equals(current.stamps()) && !stamps.equals(failedStamps)) {
                try {
                    use(load(stamps));
                    LOG.info("TLS certificate {} changed on disk: using it from now on (expires {})", certFile,
                            current.chain()[0].getNotAfter().toInstant());
                } catch (IOException | GeneralSecurityException e) {
                    failedStamps = stamps; // retried once either file changes again
                    LOG.warn("TLS certificate {} / key {} changed on disk but cannot be used ({}): keeping the previous"
                            + " pair", certFile, keyFile, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot check TLS certificate {} / key {} for changes ({}): keeping the pair in use", certFile,
                    keyFile, e.getMessage());
        }
        return current;
    }

    private void use(Pair pair) {
        current = pair;
        failedStamps = null;
        pairs.put(pair.alias(), pair);
        while (pairs.size() > KEPT) {
            pairs.remove(pairs.keySet().iterator().next());
        }
    }

    private Pair load(List<Object> stamps) throws IOException, GeneralSecurityException {
        X509Certificate[] chain = PemKeys.certificates(certFile).toArray(X509Certificate[]::new);
        if (chain.length == 0) {
            throw new GeneralSecurityException(certFile + " holds no certificate");
        }
        PrivateKey key = PemKeys.privateKey(keyFile);
        if (!belongTogether(key, chain[0].getPublicKey())) {
            throw new GeneralSecurityException("the certificate in " + certFile + " is not for the key in " + keyFile);
        }
        return new Pair("baton-" + ++generation, stamps, chain, key);
    }

    /** Signs a probe with the key and checks it with the certificate's public key (RSA, EC, EdDSA). */
    private static boolean belongTogether(PrivateKey key, PublicKey certified) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true; // an algorithm we cannot probe: the handshake will tell
        }
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(PROBE);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        try {
            verifier.initVerify(certified);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an RSA key with an EC certificate
        }
    }

    /** What tells a change: each file's size, modification time and identity (a rename over it is a new file). */
    private List<Object> stamps() throws IOException {
        return List.of(stamp(certFile), stamp(keyFile));
    }

    private static List<Object> stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(a.size(), a.lastModifiedTime(), Objects.toString(a.fileKey()));
    }

    private synchronized Pair pair(String alias) {
        return pairs.get(alias);
    }

    /**
     * The alias of the pair in use when its key is of one of {@code keyTypes} (JSSE asks once per key type it could
     * use: "RSA", "EC", ...), else null; any type may be asked for a key whose type we cannot map.
     */
    private String aliasFor(String... keyTypes) {
        Pair pair = currentPair();
        String algorithm = pair.key().getAlgorithm();
        if (keyTypes == null || !(algorithm.equals("RSA") || algorithm.equals("EC"))) {
            return pair.alias();
        }
        for (String type : keyTypes) {
            if (type != null && (type.equals(algorithm) || type.startsWith(algorithm + "_"))) {
                return pair.alias();
            }
        }
        return null;
    }

    private String[] aliasesFor(String keyType) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliasesFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliasesFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Pair pair = pair(alias);
        return pair == null ? null : pair.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Pair pair = pair(alias);
        return pair == null ? null : pair.key();
    }
}
