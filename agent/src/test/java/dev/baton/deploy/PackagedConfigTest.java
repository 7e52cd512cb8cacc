package dev.baton.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.baton.config.AgentSettings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The default /etc/baton/baton.toml of the .deb, and how it fits the systemd unit. */
public class PackagedConfigTest {
    public static final Path REPO = DockerfileStructureTest.REPO;

    @Test
    void defaultConfigParsesAndLoads() throws Exception {
        Path file = REPO.resolve("packaging-deb/src/deb/etc/baton/baton.toml");
        String text = Files.readString(file);
        JsonNode c = new TomlMapper().readTree(text);
        assertEquals("/var/lib/baton", c.at("/agent/state_dir").asText(), "the directory the package owns");
        assertEquals("127.0.0.1", c.at("/api/listen").asText(), "API on loopback by default");
        assertTrue(text.contains("# [programs.engine-1-0]") && text.contains("# [programs.engine-1-1]"),
                "a commented example engine pair");
        try {
            Method parse = Class.forName("dev.baton.config.ConfigLoader").getMethod("parse", String.class, Path.class);
            try {
                parse.invoke(null, text, file);
            } catch (InvocationTargetException e) {
                fail("the packaged baton.toml does not load: " + e.getCause().getMessage());
            }
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            // the agent's loader is not on this branch yet
        }
    }

    @Test
    void unitStopTimeoutExceedsTheAgentsShutdownTimeout() throws Exception {
        String unit = Files.readString(REPO.resolve("systemd/baton.service"));
        Matcher m = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)s$").matcher(unit);
        assertTrue(m.find());
        long stopSec = Long.parseLong(m.group(1));
        assertTrue(stopSec > AgentSettings.DEFAULT.shutdownTimeout().toSeconds(),
                "systemd must not SIGKILL baton before its own shutdown_timeout ends");
        assertTrue(unit.contains("\nKillMode=mixed\n") && unit.contains("\nType=notify\n"));
    }
}
