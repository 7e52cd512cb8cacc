package dev.baton.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KeyLocatorTest {
    static final String TEXT = """
            # comment [not.a.table]
            title = "a # not a comment"                  # 2

            [programs."engine1.0"]                       # 4
            command = ["/bin/x",                         # 5
              "--flag = 1",
              "[not.a.header]",
            ]
            log = { file = "/x", max_bytes = "1MiB" }    # 9
            backoff.initial = "1s"                       # 10
            description = \"\"\"
            fake = 1
            [fake]
            \"\"\"
            environment . 'A.B' = "x"                    # 15

            [[profiles]]                                 # 17
            name = "first"
            [[profiles]]                                 # 19
            name = "second"
            [profiles.match]                             # 21
            text = "x"
            """;

    final KeyLocator locator = KeyLocator.of(TEXT);

    @Test
    void findsTablesKeysDottedKeysAndInlineTables() {
        assertEquals(2, locator.line("title"));
        assertEquals(4, locator.line("programs"));
        assertEquals(4, locator.line("programs.\"engine1.0\""));
        assertEquals(4, locator.line(List.of("programs", "engine1.0")));
        assertEquals(5, locator.line("programs.\"engine1.0\".command"));
        assertEquals(9, locator.line("programs.\"engine1.0\".log.max_bytes"));
        assertEquals(10, locator.line("programs.\"engine1.0\".backoff"));
        assertEquals(10, locator.line("programs.\"engine1.0\".backoff.initial"));
        assertEquals(15, locator.line(List.of("programs", "engine1.0", "environment", "A.B")));
    }

    @Test
    void skipsStringsArraysAndComments() {
        assertEquals(0, locator.line("not.a.table"));
        assertEquals(0, locator.line("not"));
        assertEquals(0, locator.line("fake"));
        assertEquals(0, locator.line("programs.\"engine1.0\".fake"));
        assertEquals(11, locator.line("programs.\"engine1.0\".description"));
    }

    @Test
    void arraysOfTablesAreNumbered() {
        assertEquals(17, locator.line("profiles"));
        assertEquals(17, locator.line("profiles[0]"));
        assertEquals(18, locator.line("profiles[0].name"));
        assertEquals(19, locator.line("profiles[1]"));
        assertEquals(20, locator.line("profiles[1].name"));
        assertEquals(21, locator.line("profiles[1].match"), "a sub-table belongs to the latest element");
        assertEquals(22, locator.line("profiles[1].match.text"));
    }

    @Test
    void unknownOrUnparsablePathsAreZero() {
        assertEquals(0, locator.line("nope"));
        assertEquals(0, locator.line("programs.\"unclosed"));
        assertEquals(0, locator.line(""));
    }

    @Test
    void garbageNeverThrows() {
        for (String text : new String[] {"[", "[[", "a = ", "a = [", "a = {", "a = \"", "a = '''", "= 1", "[a.]", "a.=1",
                "a = [[[[" + "[".repeat(10_000), "a = " + "{b = ".repeat(10_000), "\"\\u12", "a = 1\n\u0000\n[b]\nc = 2"}) {
            KeyLocator.of(text).line("a");
        }
        assertEquals(3, KeyLocator.of("a = 1\n\u0000 junk\n[b]\nc = 2").line("b.c") - 1);
    }

    @Test
    void findsDuplicatesAndLongIntegers() {
        KeyLocator dup = KeyLocator.of("[a]\nx = 1\ny = 2\nx = 3\n[b]\n[a]\n");
        assertEquals(new TomlOutline.Duplicate(List.of("a", "x"), 2, 4), dup.firstDuplicate().orElseThrow());
        KeyLocator big = KeyLocator.of("a = 1_000_000_000_000_000_000\nb = 123456789012345678\nc = [1, -99999999999999999999]\n"
                + "d = 1234567890123456789.5\ne = \"12345678901234567890\"\n");
        assertEquals(List.of(new TomlOutline.Literal(List.of("a"), 1, "1_000_000_000_000_000_000"),
                new TomlOutline.Literal(List.of("c", "[1]"), 3, "-99999999999999999999")), big.longIntegers());
    }
}
