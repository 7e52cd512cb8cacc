package dev.baton.cluster;

import java.time.Duration;

/**
 * A completed switchover: {@code newHolder} holds the lock with {@code newToken}.
 *
 * @param elapsed from writing the request to seeing the new holder's key
 */
public record FailoverResult(String lock, String previousHolder, String newHolder, long newToken, Duration elapsed) {
}
