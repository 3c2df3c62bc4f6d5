package io.github.cloudrunmcp.auth;

import java.io.IOException;

/**
 * Blocking fetch of a fresh ID token, such as a call to the metadata server. Callers run
 * it off event-loop threads; {@link CachingIdTokenProvider} does.
 */
@FunctionalInterface
public interface IdTokenSource {

	/**
	 * Fetch a new token for the audience.
	 * @param audience the token's {@code aud} claim
	 * @return the token
	 * @throws IOException if the token could not be fetched
	 */
	IdToken fetch(String audience) throws IOException;

	/**
	 * Return a short name of where tokens come from, for metrics and traces, such as
	 * {@code metadata-server}; never a secret.
	 * @return the name
	 */
	default String kind() {
		return "custom";
	}

}
