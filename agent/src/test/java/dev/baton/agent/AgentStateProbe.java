package dev.baton.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.state.StateFile;
import dev.baton.process.ChildEnvironment;
import dev.baton.process.os.ProcessTable;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a separate agent process left in its state directory and process table, for process-level tests. */
final class AgentStateProbe {
    private final Path stateDir;

    AgentStateProbe(Path stateDir) {
        this.stateDir = stateDir;
    }

    /** The program's role in handover.json, or "" while there is none (or the file is being rewritten). */
    String role(String group, String program) {
        return engineField(group, program, "role");
    }

    /** The program's problem (its error with the fix) in handover.json, or "" while there is none. */
    String problem(String group, String program) {
        return engineField(group, program, "problem");
    }

    private String engineField(String group, String program, String field) {
        try {
            Path file = stateDir.resolve("handover.json");
            if (!Files.exists(file)) {
                return "";
            }
            JsonNode root = StateFile.JSON.readTree(file.toFile());
            for (JsonNode e : root.path("groups").path(group).path("engines")) {
                if (e.path("program").asText().equals(program)) {
                    return e.path(field).isNull() ? "" : e.path(field).asText();
                }
            }
        } catch (Exception e) {
            // being rewritten: try again
        }
        return "";
    }

    /** The program's handover events (kinds) saved in handover.json, as one string. */
    String eventKinds(String group) {
        try {
            StringBuilder sb = new StringBuilder();
            StateFile.JSON.readTree(stateDir.resolve("handover.json").toFile()).path("groups").path(group).path("history")
                    .forEach(e -> sb.append(e.path("kind").asText()).append(' '));
            return sb.toString();
        } catch (Exception e) {
            return "";
        }
    }

    /** The group's handover events saved in handover.json, one "KIND message" a line. */
    String events(String group) {
        try {
            StringBuilder sb = new StringBuilder();
            StateFile.JSON.readTree(stateDir.resolve("handover.json").toFile()).path("groups").path(group).path("history")
                    .forEach(e -> sb.append(e.path("kind").asText()).append(' ').append(e.path("message").asText()).append('\n'));
            return sb.toString();
        } catch (Exception e) {
            return "";
        }
    }

    /** Live copies (process groups: a copy's children are part of it) of the program that the agent (by its id) started. */
    long copies(String program) throws Exception {
        String agentId = Files.readString(stateDir.resolve("agent.id")).trim();
        return ProcessTable.findByEnvironment(ChildEnvironment.AGENT, agentId).stream()
                .filter(pid -> {
                    try {
                        return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")))
                                .contains("BATON_PROGRAM=" + program + "\0");
                    } catch (Exception e) {
                        return false;
                    }
                }).map(AgentStateProbe::processGroup).filter(g -> g > 0).distinct().count();
    }

    /** The process group of pid (field 5 of /proc/pid/stat), or 0 when it is gone. */
    private static long processGroup(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
        } catch (Exception e) {
            return 0;
        }
    }
}
