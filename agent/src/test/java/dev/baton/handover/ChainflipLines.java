package dev.baton.handover;

/** Real Chainflip engine output (shared/reference/chainflip-engine.md and the engine's source), for tests. */
final class ChainflipLines {

    static final String TARGET = "chainflip_engine::state_chain_observer::client";

    private ChainflipLines() {
    }

    /** A tracing JSON line with this message. */
    static String json(String level, String message) {
        return "{\"timestamp\":\"2023-12-11T16:26:38.381549Z\",\"level\":\"" + level + "\",\"fields\":{\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"},\"target\":\"" + TARGET + "\"}";
    }

    static String waitingMessage(String own, String release) {
        return "This version '" + own + "' is incompatible with the current release '" + release
                + "' at block: 0x4d66…fb38. WAITING for a compatible release version.";
    }

    /** The exact line from Chainflip's dual-engine guide. */
    static final String GUIDE_WAITING = "{\"timestamp\":\"2023-12-11T16:26:38.381549Z\",\"level\":\"INFO\",\"fields\":"
            + "{\"message\":\"This version '1.1.0' is incompatible with the current release '1.0.0' at block: 0x4d66…fb38. "
            + "WAITING for a compatible release version.\"},\"target\":\"chainflip_engine::state_chain_observer::client\"}";

    static String waiting(String own, String release) {
        return json("INFO", waitingMessage(own, release));
    }

    /** Later engines: "at block N: 0x..." */
    static String waitingWithBlockNumber(String own, String release) {
        return json("INFO", "This version '" + own + "' is incompatible with the current release '" + release
                + "' at block 4021: 0x4d66…fb38. WAITING for a compatible release version.");
    }

    /** The same check with waiting disabled (the engine bails out). */
    static String incompatibleNoWait(String own, String release) {
        return json("ERROR", "This version '" + own + "' is incompatible with the current release '" + release
                + "' at block: 0x4d66…fb38.");
    }

    static String noLongerCompatibleMessage(String own, String release) {
        return "This version '" + own + "' is no longer compatible with the release version '" + release
                + "' at block: 0x9a1f…03c2";
    }

    static String noLongerCompatible(String own, String release) {
        return json("ERROR", noLongerCompatibleMessage(own, release));
    }

    static String exitingAfterUpgrade(String own, String release) {
        return "Exiting chainflip-engine due to error: " + noLongerCompatibleMessage(own, release);
    }

    static final String INITIALISED = json("INFO",
            "Initialised StateChainClient at block `4021`; block hash: `0x4d66a2e0c1f34b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7afb38`");

    static final String SYNCING = json("INFO", "Waiting for Chainflip node to sync. Checking again in 6s ...");

    static String starting(String version) {
        return "Starting chainflip-engine v" + version + " (CI Build: \"4a5c1d9\")";
    }

    static final String EXITING_PANIC = "Exiting chainflip-engine due to panic: called `Option::unwrap()` on a `None` value";

    static final String VERSION_RECORD = json("INFO",
            "Updating CFE version record from SemVer { major: 1, minor: 0, patch: 3 } to SemVer { major: 1, minor: 1, patch: 0 }");

    static final String RUNNER_RUNNING_OLD = "The latest version 1.5.0 is not yet compatible. Running the old version 1.4.2...";
    static final String RUNNER_SWITCHING = "Switching to the new version 1.5.0 after the old version 1.4.2 is no longer compatible.";
    static final String RUNNER_UPDATE_CFE = "You need to update your CFE. The current version of the CFE you are running is "
            + "not compatible with the latest runtime update.";

    /** Lines an engine prints all day that mean nothing to baton. */
    static final String[] NOISE = {
        json("INFO", "Processing block 4022"),
        json("DEBUG", "Received 12 events in block 0x4d66…fb38"),
        "{\"timestamp\":\"2023-12-11T16:26:40.120011Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"Witnessed deposit\","
                + "\"chain\":\"Ethereum\",\"amount\":\"1000000000000000000\"},\"target\":\"chainflip_engine::witness::eth\"}",
        json("WARN", "p2p: connection to 12D3KooWPeer dropped, reconnecting"),
        "2023-12-11 16:26:41 INFO Loaded settings from /etc/chainflip/config/Settings.toml",
        json("INFO", "Ceremony 42 (keygen) finished in 3.2s with 150 participants"),
        VERSION_RECORD,
    };
}
