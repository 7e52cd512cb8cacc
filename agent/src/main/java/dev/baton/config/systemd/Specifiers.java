package dev.baton.config.systemd;

/**
 * systemd's unit specifiers that do not depend on the running manager: {@code %n} (unit name),
 * {@code %N}, {@code %p}, {@code %i}, {@code %I}, {@code %j}, {@code %J}, {@code %H} (host name), the
 * service manager's user for a system unit ({@code %u} root, {@code %U} 0, {@code %h} /root, {@code %g},
 * {@code %G}), the
 * system directories ({@code %t} /run, {@code %S} /var/lib, {@code %C} /var/cache, {@code %L}
 * /var/log, {@code %E} /etc, {@code %T} /tmp, {@code %V} /var/tmp) and {@code %%}. Any other is
 * refused with its letter: the import cannot know what systemd would put there.
 */
final class Specifiers {
    /** A specifier the import does not resolve. */
    static final class Unknown extends Exception {
        Unknown(String message) {
            super(message);
        }
    }

    private Specifiers() {
    }

    static String expand(String text, String unitName, String hostName) throws Unknown {
        if (text.indexOf('%') < 0) {
            return text;
        }
        String full = unitName;
        String withoutSuffix = full.contains(".") ? full.substring(0, full.lastIndexOf('.')) : full;
        int at = withoutSuffix.indexOf('@');
        String prefix = at < 0 ? withoutSuffix : withoutSuffix.substring(0, at);
        String instance = at < 0 ? "" : withoutSuffix.substring(at + 1);
        int dash = prefix.lastIndexOf('-');
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 1 >= text.length()) {
                throw new Unknown("a lone '%' at the end");
            }
            char s = text.charAt(++i);
            out.append(switch (s) {
                case '%' -> "%";
                case 'n' -> full;
                case 'N' -> withoutSuffix;
                case 'p', 'P' -> prefix;
                case 'i', 'I' -> instance;
                case 'j', 'J' -> dash < 0 ? prefix : prefix.substring(dash + 1);
                case 'H', 'l' -> hostName;
                // the user running the service manager, which for system units is root whatever User= says
                case 'u', 'g' -> "root";
                case 'U', 'G' -> "0";
                case 'h' -> "/root";
                case 't' -> "/run";
                case 'S' -> "/var/lib";
                case 'C' -> "/var/cache";
                case 'L' -> "/var/log";
                case 'E' -> "/etc";
                case 'T' -> "/tmp";
                case 'V' -> "/var/tmp";
                default -> throw new Unknown("the specifier %" + s + " depends on the running system: write its value "
                        + "(or %%" + s + " for a literal %" + s + ")");
            });
        }
        return out.toString();
    }
}
