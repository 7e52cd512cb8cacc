package dev.baton.config;

import java.nio.file.Path;

/**
 * The {@code [api]} section: the local HTTP control API.
 *
 * @param enabled     serve the API at all
 * @param listen      address to bind (loopback by default)
 * @param port        TCP port
 * @param tokenFile   bearer token for actions (generated at first start when missing); null: {@code <state_dir>/api.token}
 * @param allowRemote explicit permission to bind a non-loopback address (needs a token too)
 */
public record ApiSettings(boolean enabled, String listen, int port, Path tokenFile, boolean allowRemote) {
    public static final int DEFAULT_PORT = 9176;
    public static final ApiSettings DEFAULT = new ApiSettings(true, "127.0.0.1", DEFAULT_PORT, null, false);
}
