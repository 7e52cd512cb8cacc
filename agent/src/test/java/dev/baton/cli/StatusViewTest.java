package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The status table from a status document with an engine group (no agent needed: pure formatting). */
class StatusViewTest {
    @Test
    void tableGroupLineAndNotes() throws Exception {
        String doc = """
                {"agent":{"state_problem":null},
                 "programs":[
                  {"name":"engine-1.2","state":"RUNNING","pid":4242,"uptime_seconds":93784,"restarts":1,
                   "last_exit":{"code":1,"signal":null,"text":"exit 1"},"last_error":null,"hold":null,
                   "group":"chainflip","version":"1.2.0","role":"ACTIVE"},
                  {"name":"engine-1.3","state":"STOPPED","pid":0,"uptime_seconds":0,"restarts":0,"last_exit":null,
                   "last_error":null,"hold":"waiting for release 1.3","group":"chainflip","version":"1.3.0","role":"WAITING"}],
                 "groups":[{"name":"chainflip","release":"1.2","active":"1.2.0","upgrade_ready":true,"next":"1.3.0",
                   "last_handover":null,"error":null}]}
                """;
        StringWriter out = new StringWriter();
        StatusView.print(new ObjectMapper().readTree(doc), new PrintWriter(out, true));
        assertEquals("""
                PROGRAM     GROUP      VERSION  ROLE     STATE    PID   UPTIME  RESTARTS  LAST EXIT
                engine-1.2  chainflip  1.2.0    ACTIVE   RUNNING  4242  1d02h   1         exit 1
                engine-1.3  chainflip  1.3.0    WAITING  STOPPED  -     -       0         -
                group chainflip: release seen 1.2, active 1.2.0, upgrade ready (next 1.3.0)
                engine-1.3: held: waiting for release 1.3
                """, out.toString());
    }

    @Test
    void theGroupLineShowsThePublishedRelease() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String group = "{\"name\":\"chainflip\",\"release\":\"1.2.0\",\"active\":\"1.2.0\",\"upgrade_ready\":false,"
                + "\"published\":%s}";
        assertEquals("group chainflip: release seen 1.2.0, active 1.2.0, no upgrade waiting, published 1.3.0 (not installed)",
                StatusView.group(json.readTree(group.formatted(
                        "{\"version\":\"1.3.0\",\"problem\":null,\"installed\":false,\"ready\":false}"))));
        assertEquals("group chainflip: release seen 1.2.0, active 1.2.0, no upgrade waiting, published not read yet"
                        + " [source failing: HTTP 403 from https://api.github.com/]",
                StatusView.group(json.readTree(group.formatted(
                        "{\"version\":null,\"problem\":\"HTTP 403 from https://api.github.com/\",\"installed\":false,\"ready\":false}"))));
        assertEquals("group chainflip: release seen 1.2.0, active 1.2.0, no upgrade waiting, published 1.3.0 (ready)",
                StatusView.group(json.readTree(group.formatted(
                        "{\"version\":\"1.3.0\",\"problem\":null,\"installed\":true,\"ready\":true}"))));
    }

    @Test
    void durations() {
        assertEquals("0s", StatusView.duration(0));
        assertEquals("59s", StatusView.duration(59));
        assertEquals("5m12s", StatusView.duration(312));
        assertEquals("2h05m", StatusView.duration(2 * 3600 + 5 * 60 + 9));
        assertEquals("3d04h", StatusView.duration(3 * 86400 + 4 * 3600 + 10));
    }
}
