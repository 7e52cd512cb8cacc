package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code [api]}. */
final class ApiSection {
    static final Set<String> KEYS = Set.of("enabled", "listen", "port", "token_file", "allow_remote");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private ApiSection() {
    }

    static ApiSettings read(ConfigNode node) {
        node.rejectUnknownKeys(KEYS);
        ApiSettings d = ApiSettings.DEFAULT;
        boolean enabled = node.bool("enabled", d.enabled());
        String listen = node.converted("listen", d.listen(), ApiSection::address);
        boolean allowRemote = node.bool("allow_remote", d.allowRemote());
        if (enabled && !allowRemote && !isLoopback(listen)) {
            node.problem("listen", TomlSyntax.string(listen) + " is not a loopback address, so other hosts could reach "
                    + "the API: set allow_remote = true (and keep the token secret), or listen on \"127.0.0.1\"");
        }
        return new ApiSettings(enabled, listen, node.integer("port", d.port(), 1, 65535),
                node.absolutePath("token_file", d.tokenFile()), allowRemote);
    }

    /** An IP address literal or {@code localhost}; never a name that would need DNS at startup. */
    private static String address(JsonNode value) {
        String text = value.isTextual() ? value.textValue() : "";
        if (text.equals("localhost") || IPV4.matcher(text).matches() || IPV6.matcher(text).matches() && parses(text)) {
            return text;
        }
        throw new IllegalArgumentException("expected an IP address such as \"127.0.0.1\" or \"::1\", got "
                + ConfigNode.describe(value));
    }

    private static boolean parses(String literal) {
        try {
            InetAddress.getByName(literal); // a literal: no lookup
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isLoopback(String address) {
        try {
            return address.equals("localhost") || InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return true; // already reported as not an address
        }
    }
}
