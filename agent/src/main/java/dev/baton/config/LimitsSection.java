package dev.baton.config;

import dev.baton.process.os.ResourceLimit;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a program's {@code limits} table: {@code limits = { nofile = 65536 }}. Each value is an
 * integer (soft and hard alike), {@code "infinity"}, or {@code "SOFT:HARD"} with either part a number
 * or {@code infinity}, as systemd writes {@code LimitNOFILE=}.
 */
final class LimitsSection {
    /** The resources baton sets (prlimit's option names); the ones validator units use. */
    static final Set<String> KEYS = Set.of("nofile", "nproc", "memlock", "core");
    private static final String INFINITY = "infinity";

    private LimitsSection() {
    }

    static List<ResourceLimit> read(ConfigNode node) {
        node.rejectUnknownKeys(KEYS);
        List<ResourceLimit> out = new ArrayList<>();
        for (String resource : List.of("nofile", "nproc", "memlock", "core")) {
            ResourceLimit limit = node.converted(resource, null, value -> parse(resource, value));
            if (limit != null) {
                out.add(limit);
            }
        }
        return List.copyOf(out);
    }

    private static ResourceLimit parse(String resource, JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
            return new ResourceLimit(resource, value.longValue(), value.longValue());
        }
        if (value.isTextual()) {
            String[] parts = value.textValue().split(":", -1);
            if (parts.length <= 2) {
                long soft = part(parts[0]);
                long hard = parts.length == 2 ? part(parts[1]) : soft;
                if (soft != Long.MIN_VALUE && hard != Long.MIN_VALUE) {
                    if (hard != ResourceLimit.UNLIMITED && (soft == ResourceLimit.UNLIMITED || soft > hard)) {
                        throw new IllegalArgumentException("the soft limit is above the hard limit in "
                                + ConfigNode.describe(value) + ": write \"SOFT:HARD\" with SOFT <= HARD");
                    }
                    return new ResourceLimit(resource, soft, hard);
                }
            }
        }
        throw new IllegalArgumentException("expected a number such as 65536, \"infinity\", or \"SOFT:HARD\" such as "
                + "\"1024:524288\", got " + ConfigNode.describe(value));
    }

    /** A number, or infinity; Long.MIN_VALUE when neither. */
    private static long part(String text) {
        if (text.equals(INFINITY)) {
            return ResourceLimit.UNLIMITED;
        }
        try {
            long n = Long.parseLong(text);
            return n >= 0 && text.length() <= 18 ? n : Long.MIN_VALUE;
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }
}
