package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** user and group of a child (switching needs root: those tests are skipped otherwise). */
class CredentialsTest {
    private static final String PRINT_IDS = "id -u; id -g; id -G";
    @RegisterExtension
    static final Children children = new Children();

    @Test
    void runsAsANamedUserWithItsGroups() throws Exception {
        assumeTrue(Os.isRoot(), "switching users needs root");
        assertEquals("65534\n65534\n65534\n", idsOf("nobody", null));
    }

    @Test
    void runsAsANumericUserWithoutAnEntryAndNoSupplementaryGroup() throws Exception {
        assumeTrue(Os.isRoot(), "switching users needs root");
        assertEquals("12345\n23456\n23456\n", idsOf("12345", "23456"));
    }

    @Test
    void changesOnlyTheGroupWhenNoUserIsGiven() throws Exception {
        assumeTrue(Os.isRoot(), "switching groups needs root");
        assertEquals(List.of("0", "65534"), idsOf(null, "nogroup").lines().limit(2).toList());
    }

    @Test
    void unknownUserOrGroupIsNamed() {
        assertEquals("unknown user: no-such-user-xyz",
                assertThrows(SpawnException.class, () -> idsOf("no-such-user-xyz", null)).getMessage());
        assertEquals("unknown group: no-such-group-xyz",
                assertThrows(SpawnException.class, () -> idsOf("nobody", "no-such-group-xyz")).getMessage());
    }

    @Test
    void numericUserWithoutAnEntryNeedsAGroup() {
        SpawnException e = assertThrows(SpawnException.class, () -> idsOf("12345", null));
        assertEquals("user 12345 has no entry in the user database, so it has no primary group: set the group "
                + "explicitly", e.getMessage());
    }

    private static String idsOf(String user, String group) throws Exception {
        SpawnedProcess sh = children.spawn(new SpawnRequest(List.of("sh", "-c", PRINT_IDS), Children.PATH_ONLY,
                null, user, group, null, false));
        String output = Children.readToEnd(sh.stdoutFd());
        String errors = Children.readToEnd(sh.stderrFd());
        assertEquals(ExitStatus.exited(0), children.awaitExit(sh.pid()), errors);
        return output;
    }
}
