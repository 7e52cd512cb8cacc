package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterException;
import dev.baton.cluster.TlsFiles;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The peer channel's mutual TLS: both sides present a certificate signed by the configured CA, and a
 * member's identity is the host name its certificate names (CN or a DNS SAN), not its address: peers
 * are called at the address they published, which says nothing about who answers. So the chain is
 * checked against the CA without the usual address match, and the name is checked by the caller
 * ({@link #names}) against the host it meant to reach or the host a request claims to come from.
 */
final class PeerTls {
    private PeerTls() {
    }

    static SSLContext context(TlsFiles tls) {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int i = 0;
            for (X509Certificate ca : PemKeys.certificates(tls.ca())) {
                trusted.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            X509TrustManager chainOnly = new ChainOnly((X509TrustManager) tmf.getTrustManagers()[0]);

            // Read again when renewed on disk, as etcd's client certificate (ReloadingKeyManager).
            KeyManager own = new ReloadingKeyManager(tls.cert(), tls.key());

            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(new KeyManager[] {own}, new TrustManager[] {chainOnly}, new SecureRandom());
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new ClusterException("cannot load the failsafe peer TLS files (peer_tls_ca, peer_tls_cert,"
                    + " peer_tls_key): " + e.getMessage(), e);
        }
    }

    /** Whether {@code cert} names {@code host} in its subject CN or a DNS subject alternative name. */
    static boolean names(X509Certificate cert, String host) {
        return identities(cert).contains(host.toLowerCase(Locale.ROOT));
    }

    static List<String> identities(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
                }
            }
        } catch (InvalidNameException e) {
            // no usable subject: the SANs may still name the host
        }
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // unreadable SANs name nobody
        }
        return names;
    }

    /** PKIX against the CA, without matching the peer's address (see the class comment). */
    private static final class ChainOnly extends X509ExtendedTrustManager {
        private final X509TrustManager pkix;

        ChainOnly(X509TrustManager pkix) {
            this.pkix = pkix;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }
}
