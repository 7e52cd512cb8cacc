package dev.baton.process.os;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which cgroup directories are earlier instances of a program (removed when it starts again). */
class ProgramCgroupsNameTest {
    @Test
    void anInstanceIsTheProgramADotAndDigits() {
        assertTrue(ProgramCgroups.isInstanceOf("engine", "engine.1"));
        assertTrue(ProgramCgroups.isInstanceOf("engine", "engine.12345678901234567890"));
        assertTrue(ProgramCgroups.isInstanceOf("a.b", "a.b.3"), "a program name with a dot");
        assertTrue(ProgramCgroups.isInstanceOf("x+y*", "x+y*.2"), "regex characters are plain");
    }

    @Test
    void anotherProgramsInstanceIsNot() {
        assertFalse(ProgramCgroups.isInstanceOf("engine", "engine."));
        assertFalse(ProgramCgroups.isInstanceOf("engine", "engine"));
        assertFalse(ProgramCgroups.isInstanceOf("engine", "engine.1x"));
        assertFalse(ProgramCgroups.isInstanceOf("engine", "engine2.1"));
        assertFalse(ProgramCgroups.isInstanceOf("engine", "engine.-1"));
        assertFalse(ProgramCgroups.isInstanceOf("a", "a.b.3"), "the instance of program a.b");
        assertFalse(ProgramCgroups.isInstanceOf("a.b", "aXb.3"));
        assertFalse(ProgramCgroups.isInstanceOf("x+y*", "xxy.2"));
    }
}
