package dev.baton.hardening;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.api.RunningAgent;
import dev.baton.process.ProcessState;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile HTTP against the agent's API over raw sockets on 127.0.0.1: malformed requests,
 * oversized headers and bodies, slowloris connections, wrong methods, traversal and odd
 * characters in program names, missing or wrong token, a foreign Host header. Each gets a
 * 4xx (or the connection closed), never a 5xx or a stack trace, and supervision goes on.
 */
class HttpFuzzTest {
    @TempDir
    Path dir;

    /** Status code of the answer (0: closed without one) and its text. */
    record Answer(int status, String text) {
    }

    private static Answer raw(int port, byte[] request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (java.io.IOException closedEarly) {
                // the server may close while a huge request is still being sent
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0 && got.size() < 1 << 20; ) {
                    got.write(buf, 0, n);
                    String t = got.toString(StandardCharsets.ISO_8859_1);
                    int h = t.indexOf("\r\n\r\n");
                    if (h > 0) {
                        int cl = t.toLowerCase().indexOf("content-length: ");
                        if (cl >= 0 && cl < h) {
                            int len = Integer.parseInt(t.substring(cl + 16, t.indexOf("\r\n", cl)).trim());
                            if (got.size() >= h + 4 + len) {
                                break;
                            }
                        }
                    }
                }
            } catch (java.net.SocketException reset) {
                // closed by the server
            }
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int status = text.startsWith("HTTP/1.") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : 0;
            return new Answer(status, text);
        }
    }

    private static byte[] req(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void hostileRequestsGetFourHundredsAndSupervisionGoesOn() throws Exception {
        try (RunningAgent a = new RunningAgent(dir).config("[programs.svc]\ncommand = [\"sleep\", \"100000\"]\nstart_secs = \"0s\"\n")
                .start()) {
            int port = a.port;
            String token = a.token();
            await().atMost(Duration.ofSeconds(30)).until(() -> a.agent().statusByName().get("svc") != null
                    && a.agent().statusByName().get("svc").state() == ProcessState.RUNNING);
            int svcPid = a.agent().statusByName().get("svc").pid();
            String host = "Host: 127.0.0.1:" + port + "\r\n";
            String auth = "Authorization: Bearer " + token + "\r\n";
            Map<String, byte[]> cases = new TreeMap<>();
            cases.put("garbage line", req("GARBAGE\r\n\r\n"));
            cases.put("no path", req("GET\r\n\r\n"));
            cases.put("HTTP/9.9", req("GET /v1/status HTTP/9.9\r\n" + host + "\r\n"));
            cases.put("binary", new byte[] {0, 1, 2, (byte) 0xff, '\r', '\n', '\r', '\n'});
            cases.put("header without colon", req("GET /v1/status HTTP/1.1\r\n" + host + "NoColonHere\r\n\r\n"));
            cases.put("header 100 KB", req("GET /v1/status HTTP/1.1\r\n" + host + "X-Big: " + "a".repeat(100_000) + "\r\n\r\n"));
            cases.put("1000 headers", req("GET /v1/status HTTP/1.1\r\n" + host + "X-H: 1\r\n".repeat(1000) + "\r\n"));
            cases.put("body 3 MB declared", req("POST /v1/config/check HTTP/1.1\r\n" + host + auth
                    + "Content-Type: text/plain\r\nContent-Length: 3000000\r\n\r\n" + "x".repeat(3_000_000)));
            cases.put("body 2 MB chunked", req("POST /v1/config/check HTTP/1.1\r\n" + host + auth
                    + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + ("100000\r\n" + "x".repeat(0x100000) + "\r\n").repeat(3) + "0\r\n\r\n"));
            cases.put("negative length", req("POST /v1/reload HTTP/1.1\r\n" + host + auth + "Content-Length: -5\r\n\r\n"));
            cases.put("DELETE programs", req("DELETE /v1/programs HTTP/1.1\r\n" + host + auth + "\r\n"));
            cases.put("PUT status", req("PUT /v1/status HTTP/1.1\r\n" + host + auth + "Content-Length: 0\r\n\r\n"));
            cases.put("GET on an action", req("GET /v1/programs/svc/stop HTTP/1.1\r\n" + host + "\r\n"));
            cases.put("TRACE", req("TRACE / HTTP/1.1\r\n" + host + "\r\n"));
            String[] names = {"..%2f..%2fetc%2fpasswd", "../../etc/passwd", "%00", "a%20b", "%3Cscript%3E", "svc%2F..%2Fsvc",
                "n".repeat(10_000), "%C3%A9", "%FF%FE", "svc;rm", "svc%0d%0aX-Injected:%201", ".", "..", "%2e%2e"};
            for (String n : names) {
                cases.put("name " + (n.length() > 40 ? n.substring(0, 40) + "..." : n),
                        req("GET /v1/programs/" + n + " HTTP/1.1\r\n" + host + "\r\n"));
                cases.put("stop " + (n.length() > 40 ? n.substring(0, 40) + "..." : n),
                        req("POST /v1/programs/" + n + "/stop HTTP/1.1\r\n" + host + auth + "Content-Length: 0\r\n\r\n"));
                cases.put("log " + (n.length() > 40 ? n.substring(0, 40) + "..." : n),
                        req("GET /v1/programs/" + n + "/log HTTP/1.1\r\n" + host + "\r\n"));
            }
            cases.put("stop without token", req("POST /v1/programs/svc/stop HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n"));
            cases.put("stop wrong token", req("POST /v1/programs/svc/stop HTTP/1.1\r\n" + host
                    + "Authorization: Bearer " + "0".repeat(token.length()) + "\r\nContent-Length: 0\r\n\r\n"));
            cases.put("stop token as basic", req("POST /v1/programs/svc/stop HTTP/1.1\r\n" + host
                    + "Authorization: Basic " + token + "\r\nContent-Length: 0\r\n\r\n"));
            cases.put("stop foreign host", req("POST /v1/programs/svc/stop HTTP/1.1\r\nHost: evil.example\r\n" + auth
                    + "Content-Length: 0\r\n\r\n"));
            cases.put("status foreign host", req("GET /v1/status HTTP/1.1\r\nHost: evil.example:" + port + "\r\n\r\n"));
            cases.put("two hosts", req("GET /v1/status HTTP/1.1\r\n" + host + "Host: evil.example\r\n\r\n"));
            cases.put("no host 1.1", req("GET /v1/status HTTP/1.1\r\n\r\n"));

            List<String> bad = new ArrayList<>();
            Map<String, Integer> results = new TreeMap<>();
            for (Map.Entry<String, byte[]> c : cases.entrySet()) {
                Answer ans = raw(port, c.getValue());
                results.put(c.getKey(), ans.status());
                // Undertow answers an unknown HTTP version as 1.1: harmless, left alone.
                boolean ok = ans.status() == 0 || ans.status() >= 400 && ans.status() < 500
                        || c.getKey().equals("HTTP/9.9") && ans.status() == 200;
                boolean leak = ans.text().contains("Exception") || ans.text().contains("\tat ") || ans.text().contains("dev.baton.");
                if (!ok || leak) {
                    bad.add(c.getKey() + " -> " + ans.status() + " " + ans.text().substring(0, Math.min(300, ans.text().length())));
                }
            }
            System.out.println("http-fuzz: " + results);
            assertTrue(bad.isEmpty(), String.join("\n", bad));
            Set<Integer> auth401 = new java.util.HashSet<>(List.of(results.get("stop without token"), results.get("stop wrong token"),
                    results.get("stop token as basic")));
            assertEquals(Set.of(401), auth401);
            assertEquals(403, results.get("stop foreign host"));
            assertEquals(403, results.get("status foreign host"));

            // Slowloris from this user: more half-sent requests than its share of connections. Those
            // over the share are closed at once; the rest go when the header timeout (10 s) ends them,
            // and then this user is answered again. (Other users are served meanwhile: ApiFloodTest.)
            List<Socket> slow = new ArrayList<>();
            long t0 = System.nanoTime();
            try {
                for (int i = 0; i < 150; i++) {
                    Socket s = new Socket();
                    slow.add(s);
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                        s.getOutputStream().write(req("GET /v1/status HTTP/1.1\r\n" + host + "X-Slow: "));
                    } catch (java.io.IOException e) {
                        // over this user's share: closed by the agent at once
                    }
                }
                long before = System.nanoTime();
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(40))
                        .pollInterval(java.time.Duration.ofMillis(500))
                        .until(() -> raw(port, req("GET /healthz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"))
                                .status() == 200);
                System.out.printf("http-fuzz: with %d slowloris connections of the same user, /healthz answered after %.2f s%n",
                        slow.size(), (System.nanoTime() - before) / 1e9);
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
            // Supervision unaffected: same process, still running; a real action still works.
            assertEquals(svcPid, a.agent().statusByName().get("svc").pid());
            assertEquals(ProcessState.RUNNING, a.agent().statusByName().get("svc").state());
            Answer stop = raw(port, req("POST /v1/programs/svc/stop HTTP/1.1\r\n" + host + auth
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n"));
            assertTrue(stop.status() == 200 || stop.status() == 202, stop.text());
            System.out.printf("http-fuzz: %d hostile requests, 0 5xx, 0 stack traces; %.1f s in all%n", cases.size(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }
}
