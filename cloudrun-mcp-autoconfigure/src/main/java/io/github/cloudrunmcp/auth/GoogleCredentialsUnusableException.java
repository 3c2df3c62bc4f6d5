package io.github.cloudrunmcp.auth;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when there are no Google credentials, or when the credentials found cannot mint
 * ID tokens for an audience (gcloud user credentials, external accounts without
 * impersonation).
 */
public class GoogleCredentialsUnusableException extends IdTokenUnavailableException {

	private final boolean missing;

	/**
	 * Create an exception.
	 * @param audience the audience the token was for
	 * @param message what went wrong and what to do
	 * @param missing whether no credentials were found at all (rather than unusable ones)
	 * @param cause the underlying failure
	 */
	public GoogleCredentialsUnusableException(String audience, String message, boolean missing,
			@Nullable Throwable cause) {
		super(audience, message, cause);
		this.missing = missing;
	}

	/**
	 * Return whether no credentials were found at all.
	 * @return {@code true} when there are no credentials, {@code false} when the ones
	 * found cannot mint ID tokens
	 */
	public boolean isMissing() {
		return this.missing;
	}

}
