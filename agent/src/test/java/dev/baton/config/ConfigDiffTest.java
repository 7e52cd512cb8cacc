package dev.baton.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDiffTest {
    static BatonConfig parse(String toml, String file) throws ConfigException {
        return ConfigLoader.parse(toml, Path.of(file));
    }

    @Test
    void sortsProgramsIntoAddedRemovedChangedUnchanged() throws ConfigException {
        BatonConfig before = parse("""
                [programs.kept]
                command = "/bin/kept"
                [programs.moved]
                command = "/bin/moved"
                [programs.edited]
                command = "/bin/edited"
                stop_timeout = "10s"
                [programs.gone]
                command = "/bin/gone"
                """, "/etc/baton/baton.toml");
        BatonConfig after = parse("""
                [programs.new]
                command = "/bin/new"

                [programs.kept]
                command = "/bin/kept"
                stop_timeout = "10s"   # the default, spelt out
                [programs.edited]
                command = "/bin/edited"
                stop_timeout = "11s"
                [programs.moved]
                command = "/bin/moved"
                """, "/etc/baton/other.toml");
        ConfigDiff diff = ConfigDiff.between(before, after);
        assertEquals(Set.of("new"), diff.added());
        assertEquals(Set.of("gone"), diff.removed());
        assertEquals(Set.of("edited"), diff.changed());
        assertEquals(Set.of("kept", "moved"), diff.unchanged(), "origins (file, line) do not count");
        assertFalse(diff.isEmpty());
    }

    @Test
    void sameConfigIsEmpty() throws ConfigException {
        String toml = "[programs.a]\ncommand = \"/bin/a\"\n";
        ConfigDiff diff = ConfigDiff.between(parse(toml, "/a.toml"), parse(toml, "/b.toml"));
        assertTrue(diff.isEmpty());
        assertEquals(Set.of("a"), diff.unchanged());
    }

    @Test
    void agentSettingsAreNotPartOfIt() throws ConfigException {
        ConfigDiff diff = ConfigDiff.between(parse("[agent]\nexit_on_fatal = true\n", "/a.toml"), parse("", "/a.toml"));
        assertTrue(diff.isEmpty());
    }
}
