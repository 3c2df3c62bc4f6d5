package io.github.cloudrunmcp.auth;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when no ID token could be had for an audience. The message names the audience,
 * the likely cause and what to do; it never contains a token.
 */
public class IdTokenUnavailableException extends RuntimeException {

	private final String audience;

	/**
	 * Create an exception.
	 * @param audience the audience the token was for
	 * @param message what went wrong and what to do
	 * @param cause the underlying failure
	 */
	public IdTokenUnavailableException(String audience, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.audience = audience;
	}

	/**
	 * Return the audience the token was for.
	 * @return the audience
	 */
	public String getAudience() {
		return this.audience;
	}

}
