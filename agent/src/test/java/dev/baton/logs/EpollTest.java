package dev.baton.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EpollTest {
    @Test
    void eventLayoutFollowsTheArchitecture() {
        assertTrue(Epoll.isX86_64("amd64"));
        assertTrue(Epoll.isX86_64("x86_64"));
        assertFalse(Epoll.isX86_64("aarch64"));
        boolean x86 = Epoll.isX86_64(System.getProperty("os.arch"));
        assertEquals(x86 ? 12 : 16, Epoll.EVENT_SIZE); // packed on x86_64 only
        assertEquals(x86 ? 4 : 8, Epoll.DATA_OFFSET);
    }

    @Test
    void reportsTheReadyFdAndWakeUps() {
        TestPipe pipe = TestPipe.open();
        try (Epoll epoll = new Epoll()) {
            epoll.add(pipe.readFd);
            assertEquals(0, epoll.await(0));
            pipe.write(new byte[] {'x'});
            assertEquals(1, epoll.await(10_000));
            assertEquals(pipe.readFd, epoll.fd(0));

            epoll.remove(pipe.readFd);
            epoll.wakeUp();
            assertEquals(1, epoll.await(10_000));
            assertTrue(epoll.isWakeUp(epoll.fd(0)));
            epoll.clearWakeUp();
            assertEquals(0, epoll.await(0));
        } finally {
            pipe.closeWriter();
            LinuxIo.close(pipe.readFd);
        }
    }
}
