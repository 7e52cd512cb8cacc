package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.baton.cluster.TlsFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away CA with a server certificate for 127.0.0.1 and client certificates, made with the
 * openssl CLI at test time. The client key comes in the three PEM flavours operators have.
 */
public record TestCerts(Path dir, Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKeyPkcs8,
                 Path clientKeyPkcs1, Path clientEcCert, Path clientKeySec1, Path rogueCert, Path rogueKey) {

    public static TestCerts create(Path dir) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        Path ext = dir.resolve("ext.cnf");
        write(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=baton-test-ca");
        signed(dir, "server", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key");
        signed(dir, "client", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client.key");
        // cfssl writes PKCS#1 RSA and SEC1 EC keys: the formats Solana's guide hands out.
        openssl(dir, "rsa", "-in", "client.key", "-traditional", "-out", "client-pkcs1.key");
        signed(dir, "client-ec", "openssl ecparam -name prime256v1 -genkey -noout -out client-ec.key");
        // A client certificate etcd must refuse: self-signed, not from the CA.
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem",
                "-days", "2", "-subj", "/CN=rogue");
        return new TestCerts(dir, dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("client.pem"), dir.resolve("client.key"), dir.resolve("client-pkcs1.key"),
                dir.resolve("client-ec.pem"), dir.resolve("client-ec.key"), dir.resolve("rogue.pem"),
                dir.resolve("rogue.key"));
    }

    /** A certificate from this CA naming {@code host} in its CN (a failsafe member's identity), and its key. */
    public TlsFiles forHost(String host) {
        signed(dir, "host-" + host, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out host-" + host + ".key");
        return new TlsFiles(ca, dir.resolve("host-" + host + ".pem"), dir.resolve("host-" + host + ".key"));
    }

    /**
     * A client certificate from this CA naming {@code host}, and its key, that expires {@code left} from now (signed
     * under faketime two days minus {@code left} ago, for two days).
     */
    public TlsFiles expiringFor(String host, Duration left) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/faketime")), "faketime is not installed");
        String name = "short-" + host;
        long back = Duration.ofDays(2).minus(left).getSeconds();
        signed(dir, name, host, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name + ".key",
                List.of("faketime", "-" + back + " seconds"));
        return new TlsFiles(ca, dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    }

    private static void signed(Path dir, String name, String keyCommand) {
        signed(dir, name, name.startsWith("host-") ? name.substring(5) : name, keyCommand, List.of());
    }

    private static void signed(Path dir, String name, String cn, String keyCommand, List<String> signedUnder) {
        run(dir, List.of("sh", "-c", keyCommand));
        openssl(dir, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
        List<String> sign = new ArrayList<>(signedUnder);
        sign.addAll(List.of("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", "ext.cnf"));
        run(dir, sign);
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        run(dir, command);
    }

    private static void run(Path dir, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
