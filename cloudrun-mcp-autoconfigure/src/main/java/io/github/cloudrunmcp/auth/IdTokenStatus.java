package io.github.cloudrunmcp.auth;

import java.time.Instant;

/**
 * When a cached ID token was fetched and when it expires; never the token.
 *
 * @param fetchedAt when the token was fetched
 * @param expiresAt when the token stops being accepted
 */
public record IdTokenStatus(Instant fetchedAt, Instant expiresAt) {

}
