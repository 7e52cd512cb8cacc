package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The names an operator gives {@code status}, {@code start}, {@code stop} and {@code restart}, as
 * supervisorctl takes them: a program, an engine group's name, or {@code GROUP:*} (the group's
 * engines), resolved against the agent's status document. A program's name wins over a group's.
 */
record ProgramSelection(List<String> programs, Set<String> groups) {
    static ProgramSelection resolve(List<String> names, JsonNode status) throws CliException {
        Set<String> programs = new LinkedHashSet<>();
        Set<String> groups = new LinkedHashSet<>();
        for (String name : names) {
            boolean groupOnly = name.endsWith(":*");
            String group = groupOnly ? name.substring(0, name.length() - 2) : name;
            if (!groupOnly && hasProgram(status, name)) {
                programs.add(name);
                continue;
            }
            List<String> members = new ArrayList<>();
            status.path("programs").forEach(p -> {
                if (group.equals(p.path("group").asText(null))) {
                    members.add(p.path("name").asText());
                }
            });
            if (members.isEmpty()) {
                throw new CliException(ExitCodes.NOT_FOUND, groupOnly ? "no engine group named " + group
                        : "no program or engine group named " + name);
            }
            groups.add(group);
            programs.addAll(members);
        }
        return new ProgramSelection(List.copyOf(programs), groups);
    }

    private static boolean hasProgram(JsonNode status, String name) {
        for (JsonNode p : status.path("programs")) {
            if (name.equals(p.path("name").asText())) {
                return true;
            }
        }
        return false;
    }
}
