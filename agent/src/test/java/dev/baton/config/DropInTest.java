package dev.baton.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DropInTest {
    @TempDir
    Path dir;

    @Test
    void dropInsAreReadInNameOrderAndLeftoversIgnored() throws IOException, ConfigException {
        Path main = write("baton.toml", "[defaults]\nstop_timeout = \"20s\"\n[programs.main]\ncommand = \"/bin/main\"\n");
        write("conf.d/20-b.toml", "[programs.b]\ncommand = \"/bin/b\"\n");
        write("conf.d/10-a.toml", "\n[programs.a]\ncommand = \"/bin/a\"\n");
        for (String ignored : List.of(".hidden.toml", "30-c.toml.dpkg-old", "30-c.toml.dpkg-new", "30-c.toml.dpkg-dist",
                "30-c.toml~", "README", "notes.txt")) {
            write("conf.d/" + ignored, "this is not TOML [");
        }
        BatonConfig config = ConfigLoader.load(main);
        assertEquals(List.of(main, dir.resolve("conf.d/10-a.toml"), dir.resolve("conf.d/20-b.toml")), config.sources());
        assertEquals(List.of("a", "b", "main"), List.copyOf(config.programs().keySet()));
        assertEquals(new Origin(dir.resolve("conf.d/10-a.toml"), 2), config.programs().get("a").origin());
        assertEquals(Duration.ofSeconds(20), config.programs().get("b").stopTimeout(), "[defaults] reach drop-ins");
    }

    @Test
    void noDropInDirectoryIsFine() throws IOException, ConfigException {
        Path main = write("baton.toml", "[programs.a]\ncommand = \"/bin/a\"\n");
        assertEquals(List.of(main), ConfigLoader.load(main).sources());
    }

    @Test
    void problemsInSeveralFilesAreAllReported() throws IOException {
        Path main = write("baton.toml", "[agent]\nlog_mode = \"x\"\n");
        write("conf.d/a.toml", "[programs.a]\ncommand = \"./a\"\n");
        write("conf.d/b.toml", "[programs.b\n");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> ConfigLoader.load(main));
        assertEquals(List.of(main, dir.resolve("conf.d/a.toml"), dir.resolve("conf.d/b.toml")),
                e.problems().stream().map(p -> p.origin().file()).toList(), e.getMessage());
    }

    private Path write(String name, String text) throws IOException {
        Path path = dir.resolve(name);
        Files.createDirectories(path.getParent());
        return Files.writeString(path, text);
    }
}
