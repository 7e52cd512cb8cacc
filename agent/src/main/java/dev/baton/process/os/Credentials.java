package dev.baton.process.os;

import java.util.List;
import java.util.Optional;

import jnr.posix.Group;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.Passwd;

/**
 * The user and group a child runs as, when they differ from the agent's. Only root can switch; setpriv does it
 * between fork and exec (posix_spawn runs no code of ours in the child).
 *
 * <p>Lookups use getpwnam/getgrnam, which are not reentrant: they run on the spawner thread only.
 *
 * @param uid      target uid, or -1 to keep the agent's (only the group changes)
 * @param gid      target gid
 * @param userName the user's name when the user database has one: setpriv needs it for --init-groups
 */
record Credentials(int uid, int gid, String userName) {

    private static final class Posix {
        static final POSIX INSTANCE = POSIXFactory.getNativePOSIX();
    }

    /** Empty when the child keeps the agent's credentials. */
    static Optional<Credentials> forRequest(String user, String group) throws SpawnException {
        if (user == null && group == null) {
            return Optional.empty();
        }
        Passwd entry = user == null ? null : lookupUser(user);
        int uid = user == null ? -1 : (entry != null ? (int) entry.getUID() : parseId(user, "user"));
        int gid;
        if (group != null) {
            gid = lookupGroup(group);
        } else if (entry != null) {
            gid = (int) entry.getGID();
        } else {
            throw new SpawnException("user " + user + " has no entry in the user database, so it has no primary "
                    + "group: set the group explicitly", 0);
        }
        if (!Os.isRoot()) {
            return requireAgentsOwn(user, group, uid, gid);
        }
        return Optional.of(new Credentials(uid, gid, entry == null ? null : entry.getLoginName()));
    }

    /** setpriv options that apply these credentials. */
    List<String> setprivOptions() {
        if (uid < 0) {
            // only the group changes: the agent's supplementary groups stay as they are
            return List.of("--regid=" + gid, "--keep-groups");
        }
        // without a name, initgroups(3) cannot look up the supplementary groups: run with none
        return List.of("--reuid=" + uid, "--regid=" + gid, userName != null ? "--init-groups" : "--clear-groups");
    }

    private static Optional<Credentials> requireAgentsOwn(String user, String group, int uid, int gid)
            throws SpawnException {
        int euid = LibC.INSTANCE.geteuid();
        int egid = LibC.INSTANCE.getegid();
        if ((uid >= 0 && uid != euid) || (group != null && gid != egid)) {
            String wanted = (user != null ? "user " + user : "") + (user != null && group != null ? " and " : "")
                    + (group != null ? "group " + group : "");
            throw new SpawnException("cannot run as " + wanted + ": the agent is not root (it runs as uid " + euid
                    + ", gid " + egid + ")", 1 /* EPERM */);
        }
        return Optional.empty();
    }

    private static Passwd lookupUser(String user) throws SpawnException {
        Passwd entry = isNumeric(user) ? Posix.INSTANCE.getpwuid(parseId(user, "user")) : Posix.INSTANCE.getpwnam(user);
        if (entry == null && !isNumeric(user)) {
            throw new SpawnException("unknown user: " + user, 0);
        }
        return entry;
    }

    private static int lookupGroup(String group) throws SpawnException {
        if (isNumeric(group)) {
            return parseId(group, "group");
        }
        Group entry = Posix.INSTANCE.getgrnam(group);
        if (entry == null) {
            throw new SpawnException("unknown group: " + group, 0);
        }
        return (int) entry.getGID();
    }

    private static boolean isNumeric(String id) {
        return !id.isEmpty() && id.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static int parseId(String id, String kind) throws SpawnException {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new SpawnException(kind + " id out of range: " + id, LibC.EINVAL);
        }
    }
}
