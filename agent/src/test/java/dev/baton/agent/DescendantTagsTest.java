package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.ChildEnvironment;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import java.util.List;
import org.junit.jupiter.api.Test;

class DescendantTagsTest {
    private static Process sleeper(String tag) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sleep", "300");
        pb.environment().put(ChildEnvironment.INSTANCE, tag);
        return pb.start();
    }

    @Test
    void aProcessCarriesTheTagItStartedWithAndAReusedPidIsReadAgain() throws Exception {
        Process a = sleeper("agent.a.1");
        Process b = sleeper("agent.b.2");
        try {
            ProcStat sa = ProcessTable.stat((int) a.pid()).orElseThrow();
            ProcStat sb = ProcessTable.stat((int) b.pid()).orElseThrow();
            DescendantTags tags = new DescendantTags();
            tags.retainOnly(List.of(sa, sb));
            assertTrue(tags.carries(sa, "agent.a.1"));
            assertFalse(tags.carries(sa, "agent.a.10"));
            assertFalse(tags.carries(sb, "agent.a.1"));
            assertTrue(tags.carries(sb, "agent.b.2"));
            // b's pid with another start time is another process: what b said does not count for it
            ProcStat reused = new ProcStat(sb.pid(), sb.comm(), sb.state(), sb.ppid(), sb.pgrp(), sb.session(), sb.startTime() + 1);
            b.destroyForcibly().waitFor();
            tags.retainOnly(List.of(sa, reused));
            assertFalse(tags.carries(reused, "agent.b.2"), "read again, and the pid is gone");
            assertTrue(tags.carries(sa, "agent.a.1"));
        } finally {
            a.destroyForcibly().waitFor();
            b.destroyForcibly().waitFor();
        }
    }
}
