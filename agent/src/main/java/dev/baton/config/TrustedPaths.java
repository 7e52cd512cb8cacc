package dev.baton.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Whether a root agent can trust a path as sshd's StrictModes would: nobody but root can change
 * it or swap it. Every component from {@code /} down is looked at without following links:
 * <ul>
 *   <li>a directory on the way must be root's (owner root, not writable by others, by its group
 *       only if that is group root); a world-writable <em>sticky</em> directory such as /tmp is
 *       accepted on the way when the entry below it is root's, as only its owner can rename that;</li>
 *   <li>for a path baton writes, the directory it is in (the nearest existing one: baton creates
 *       what is missing below it) must be root's outright, sticky or not: in /tmp anybody could
 *       plant a symlink at the name before baton creates it (or a rotated log file);</li>
 *   <li>a symbolic link is followed only when root owns it; the path it leads to is checked the same way;</li>
 *   <li>the file itself, when it exists, must be root's.</li>
 * </ul>
 * A missing file is fine (reported elsewhere, or created by baton in a trusted directory).
 */
public final class TrustedPaths {
    private static final int STICKY = 01000;
    /** Symbolic links followed in one path before giving up (the kernel's own limit is 40). */
    private static final int MAX_LINKS = 40;
    private static final Set<PosixFilePermission> CREATED_DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");

    private TrustedPaths() {
    }

    /**
     * Creates the directories missing down to {@code dir} (those above a log file or the token
     * file) mode 0755 at most: with the umask alone, an agent started under umask 000 made them
     * writable by every user, who could then plant a link at the file's name for root to write
     * through. The umask may narrow the mode further.
     */
    public static void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(CREATED_DIRECTORY));
    }

    /** What is wrong at {@code path} (one component of the path checked). */
    public record Finding(Path path, String reason) {
        @Override
        public String toString() {
            return path + ": " + reason;
        }

        /** The command that makes it root's alone. */
        public String fix() {
            return reason.contains("symbolic link") ? "rm " + path + " (or chown -h root " + path + ")"
                    : "chown root " + path + " && chmod go-w " + path;
        }
    }

    /**
     * Why someone other than root could change or redirect {@code path}, or null when only root can.
     *
     * @param written baton creates or replaces files at this path (a log file, the state directory)
     */
    public static Finding whyUntrusted(Path path, boolean written) {
        try {
            // Not normalized: "a/link/../b" is b beside the link's target for the kernel, not a/b.
            return check(path.toAbsolutePath(), written, 0);
        } catch (IOException e) {
            return new Finding(path, "cannot be checked: " + e);
        }
    }

    /**
     * Walks {@code path} as the kernel resolves it: a link restarts the walk at its target with the
     * rest of the path, and {@code ..} goes up from the directory walked to so far, which holds no
     * link. (Collapsing {@code ..} in the text first checked another file than the one written: with
     * {@code log.file = "/srv/lnk/../x/e.log"} and root's link {@code /srv/lnk} to a user's
     * {@code /home/u/deep/sub}, the check looked at {@code /srv/x}, and the agent wrote in
     * {@code /home/u/deep/x}, through whatever link the user put there.)
     */
    private static Finding check(Path path, boolean written, int links) throws IOException {
        Path current = path.getRoot();
        Attributes parent = Attributes.of(current);
        int count = path.getNameCount();
        for (int i = 0; i < count; i++) {
            String name = path.getName(i).toString();
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (current.getParent() != null) {
                    current = current.getParent();
                    parent = Attributes.of(current);
                }
                continue;
            }
            boolean last = i == count - 1;
            Path next = current.resolve(name);
            Attributes a = Attributes.of(next);
            if (a == null) {
                // Missing from here down: baton creates it in `current`, which must be root's alone.
                return parent == null ? null : parent.whyNotRootsAlone(current, true);
            }
            if (parent != null) {
                Finding why = parent.whyNotRootsAlone(current, !a.rootOwned() || written && last);
                if (why != null) {
                    return why;
                }
            }
            if (a.symlink()) {
                if (!a.rootOwned()) {
                    return new Finding(next, "a symbolic link owned by uid " + a.uid + ", not root: it could point anywhere");
                }
                if (links >= MAX_LINKS) {
                    return new Finding(next, "too many levels of symbolic links");
                }
                Path target = current.resolve(Files.readSymbolicLink(next));
                return check(last ? target : target.resolve(path.subpath(i + 1, count)), written, links + 1);
            }
            parent = a;
            current = next;
        }
        return parent == null ? null : parent.whyNotRootsAlone(current, true);
    }

    /** lstat(2) of one component; null when it does not exist. */
    private record Attributes(int uid, int gid, int mode, boolean directory, boolean symlink) {
        static Attributes of(Path p) throws IOException {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(p, "unix:uid,gid,mode,isDirectory,isSymbolicLink", LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
            return new Attributes((Integer) a.get("uid"), (Integer) a.get("gid"), (Integer) a.get("mode"),
                    (Boolean) a.get("isDirectory"), (Boolean) a.get("isSymbolicLink"));
        }

        boolean rootOwned() {
            return uid == 0;
        }

        /**
         * Why others could change what is at {@code p}, or null. {@code strict}: a sticky bit does
         * not help (the entry below is not root's, or baton creates it, or this is the path itself).
         */
        Finding whyNotRootsAlone(Path p, boolean strict) {
            String kind = directory ? "directory" : "file";
            String octal = String.format("%04o", mode & 07777);
            if (!rootOwned()) {
                return new Finding(p, "this " + kind + " is owned by uid " + uid + ", not root");
            }
            boolean stickyHelps = !strict && directory && (mode & STICKY) != 0;
            if ((mode & 0002) != 0 && !stickyHelps) {
                return new Finding(p, "this " + kind + " is writable by every user (mode " + octal + ")");
            }
            if ((mode & 0020) != 0 && gid != 0 && !stickyHelps) {
                return new Finding(p, "this " + kind + " is writable by group " + gid + " (mode " + octal + ")");
            }
            return null;
        }
    }
}
