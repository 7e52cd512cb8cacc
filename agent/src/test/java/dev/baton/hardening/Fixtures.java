package dev.baton.hardening;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Configs and small real programs for the hardening tests (and the upgrade-day transcript). */
public final class Fixtures {
    private Fixtures() {
    }

    /** The [agent] and [api] sections: state beside the config, API off (the HTTP tests turn it on). */
    public static String agent(Path stateDir, String... extra) {
        StringBuilder sb = new StringBuilder("[agent]\nstate_dir = \"" + stateDir + "\"\n");
        for (String e : extra) {
            sb.append(e).append('\n');
        }
        if (sb.indexOf("log_mode") < 0) {
            sb.append("log_mode = \"prefixed\"\n");
        }
        if (sb.indexOf("shutdown_timeout") < 0) {
            sb.append("shutdown_timeout = \"60s\"\n");
        }
        return sb.append("\n[api]\nenabled = false\n\n").toString();
    }

    static final int NOBODY = 65534;

    /** Runs a command as user nobody (setpriv): the attacker, a process of its own; fails the test when it fails. */
    static void asNobody(String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " as nobody failed: "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }

    public static String program(String name, String command, String... extraLines) {
        StringBuilder sb = new StringBuilder("[programs.\"" + name + "\"]\ncommand = " + command + "\n");
        for (String l : extraLines) {
            sb.append(l).append('\n');
        }
        return sb.append('\n').toString();
    }

    public static String argv(Object... words) {
        StringBuilder sb = new StringBuilder("[");
        for (Object w : words) {
            sb.append(sb.length() == 1 ? "" : ", ").append('"').append(w.toString().replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return sb.append(']').toString();
    }

    public static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    public static final String FAST_ENGINE = "start_secs = \"0s\"\nrestart = \"always\"\nstart_retries = \"forever\"\n"
            + "backoff = { initial = \"100ms\", max = \"500ms\" }\nstop_timeout = \"3s\"";

    /**
     * A cheap stand-in for a Chainflip engine (a shell loop, no JVM), printing the real lines:
     * reads the chain's release from a file every {@code blockSeconds}; compatible (same
     * major.minor): "Initialised StateChainClient" once; incompatible before it was ever active:
     * the WAITING line every block; active and the release moves away: "no longer compatible",
     * the plain "Exiting" line, exit 0. Optionally first cats {@code preamble} (a file of junk lines).
     */
    public static Path engineScript(Path dir) throws IOException {
        return script(dir, "cfe.sh", """
                own="$1"; rel_file="$2"; block_time="$3"; preamble="$4"
                echo "Starting chainflip-engine v$own (CI Build: \\"hardening\\")"
                if [ -n "$preamble" ] && [ -f "$preamble" ]; then cat "$preamble"; : > "$preamble.done.$$"; fi
                block=0; active=0
                trap 'exit 0' TERM
                while :; do
                  rel=$(cat "$rel_file" 2>/dev/null)
                  block=$((block+1))
                  ts='2024-05-01T10:00:00.000000Z'
                  if [ "${own%.*}" = "${rel%.*}" ]; then
                    if [ $active = 0 ]; then
                      echo '{"timestamp":"'$ts'","level":"INFO","fields":{"message":"Initialised StateChainClient at block `'$block'`; block hash: `0x00ff'$block'`"},"target":"chainflip_engine::state_chain_observer::client"}'
                      active=1
                    fi
                  elif [ $active = 1 ]; then
                    echo '{"timestamp":"'$ts'","level":"ERROR","fields":{"message":"This version '"'$own'"' is no longer compatible with the release version '"'$rel'"' at block: 0x00ff'$block'"},"target":"chainflip_engine::state_chain_observer::client"}'
                    echo "Exiting chainflip-engine due to error: This version '$own' is no longer compatible with the release version '$rel' at block: 0x00ff$block"
                    exit 0
                  else
                    echo '{"timestamp":"'$ts'","level":"INFO","fields":{"message":"This version '"'$own'"' is incompatible with the current release '"'$rel'"' at block: 0x00ff'$block'. WAITING for a compatible release version."},"target":"chainflip_engine::state_chain_observer::client"}'
                  fi
                  sleep "$block_time" & wait $!
                done""");
    }

    public static String engine(String name, String group, String version, Path script, Path releaseFile, String blockTime,
                         Path preamble, String... extra) {
        String cmd = preamble == null ? argv(script, version, releaseFile, blockTime)
                : argv(script, version, releaseFile, blockTime, preamble);
        String[] lines = new String[extra.length + 2];
        lines[0] = "engine_group = \"" + group + "\"";
        lines[1] = FAST_ENGINE;
        System.arraycopy(extra, 0, lines, 2, extra.length);
        return program(name, cmd, lines);
    }
}
