package dev.baton.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * systemd's notify protocol ({@code sd_notify(3)}) for a {@code Type=notify} unit: READY=1 once the
 * autostart programs are started, STATUS= lines, WATCHDOG=1 pings and STOPPING=1. Each call sends
 * one datagram to {@code $NOTIFY_SOCKET} (a path or an abstract {@code @name}). Without
 * {@code $NOTIFY_SOCKET} (not under systemd, a container) every call is a no-op that returns false.
 *
 * <p>Programs baton starts must not inherit systemd's variables for baton (dev.baton.process.ChildEnvironment strips them): with
 * {@code NotifyAccess=main} systemd would log and drop their messages.
 */
public final class SdNotify implements AutoCloseable {
    private static final SdNotify DISABLED = new SdNotify(null, null, null);

    private final String address;
    private final byte[] sockaddr;
    private final UnixDatagramSocket socket;
    private volatile String lastError;

    private SdNotify(String address, byte[] sockaddr, UnixDatagramSocket socket) {
        this.address = address;
        this.sockaddr = sockaddr;
        this.socket = socket;
    }

    /** From this process's environment. */
    public static SdNotify fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * From the given environment: disabled when {@code NOTIFY_SOCKET} is unset or empty, or when it
     * is not usable (the reason is in {@link #lastError()}).
     */
    public static SdNotify fromEnvironment(Map<String, String> env) {
        String address = env.get("NOTIFY_SOCKET");
        if (address == null || address.isEmpty()) {
            return DISABLED;
        }
        try {
            byte[] sa = UnixDatagramSocket.sockaddr(address);
            return new SdNotify(address, sa, UnixDatagramSocket.create(false));
        } catch (IOException | IllegalArgumentException | LinkageError e) {
            SdNotify broken = new SdNotify(null, null, null);
            broken.lastError = "NOTIFY_SOCKET=" + address + ": " + e.getMessage();
            return broken;
        }
    }

    /** True when messages are sent somewhere. */
    public boolean enabled() {
        return socket != null;
    }

    /** The socket address, or null when disabled. */
    public String address() {
        return address;
    }

    /** Why the last send failed (or why notify is disabled despite NOTIFY_SOCKET), else null. */
    public String lastError() {
        return lastError;
    }

    /** READY=1, with a STATUS= line when {@code status} is not null. */
    public boolean ready(String status) {
        return status == null ? send("READY=1") : send("READY=1\nSTATUS=" + oneLine(status));
    }

    public boolean ready() {
        return ready(null);
    }

    /** STATUS=..., shown by {@code systemctl status}; newlines become spaces. */
    public boolean status(String status) {
        return send("STATUS=" + oneLine(status));
    }

    /** WATCHDOG=1: call at least every {@link #watchdogInterval()} / 2. */
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /** STOPPING=1, with a STATUS= line when {@code status} is not null. */
    public boolean stopping(String status) {
        return status == null ? send("STOPPING=1") : send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    public boolean stopping() {
        return stopping(null);
    }

    /** RELOADING=1 (systemd 253+ also wants MONOTONIC_USEC; older ones accept this alone). */
    public boolean reloading() {
        return send("RELOADING=1");
    }

    /** Sends {@code message} (newline-separated VAR=value assignments) as one datagram. */
    public boolean send(String message) {
        if (socket == null) {
            return false;
        }
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        int errno = socket.sendTo(sockaddr, b, b.length);
        if (errno != 0) {
            lastError = "sd_notify to " + address + " failed: " + UnixDatagramSocket.libc().strerror(errno);
            return false;
        }
        return true;
    }

    /** The watchdog timeout systemd expects pings within, for this process; empty when not enabled. */
    public static Optional<Duration> watchdogInterval() {
        return watchdogInterval(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * From {@code WATCHDOG_USEC}, honoured only when {@code WATCHDOG_PID} is unset or equals
     * {@code pid} (so a child that inherited the variables does not ping).
     */
    public static Optional<Duration> watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null || usec.isEmpty()) {
            return Optional.empty();
        }
        String wpid = env.get("WATCHDOG_PID");
        try {
            if (wpid != null && !wpid.isEmpty() && Long.parseLong(wpid.trim()) != pid) {
                return Optional.empty();
            }
            long us = Long.parseLong(usec.trim());
            return us > 0 ? Optional.of(Duration.ofNanos(us * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
