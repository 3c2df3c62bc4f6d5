package io.github.cloudrunmcp.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * A Google-signed ID token and the instant it expires. {@link #toString()} never shows
 * the token itself.
 *
 * @param value the compact JWT
 * @param expiresAt when the token stops being accepted
 */
public record IdToken(String value, Instant expiresAt) {

	/**
	 * Create a token.
	 * @param value the compact JWT
	 * @param expiresAt when the token stops being accepted
	 */
	public IdToken {
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(expiresAt, "expiresAt");
	}

	/**
	 * Return whether the token has expired at the given instant.
	 * @param now the instant to test
	 * @return whether the token is no longer valid
	 */
	public boolean isExpiredAt(Instant now) {
		return !now.isBefore(this.expiresAt);
	}

	@Override
	public String toString() {
		return "IdToken[value=<redacted>, expiresAt=" + this.expiresAt + "]";
	}

}
