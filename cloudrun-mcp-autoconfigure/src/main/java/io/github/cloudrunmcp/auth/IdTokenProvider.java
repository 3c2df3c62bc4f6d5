package io.github.cloudrunmcp.auth;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Source of Google ID tokens for an audience, for reactive callers. Implementations never
 * block the subscribing thread.
 */
@FunctionalInterface
public interface IdTokenProvider {

	/**
	 * Return a token for the audience, valid when the returned {@code Mono} emits it.
	 * @param audience the token's {@code aud} claim, usually the server's origin
	 * @return the token; fails with {@link IdTokenUnavailableException} when none can be
	 * had
	 */
	Mono<IdToken> idToken(String audience);

	/**
	 * Tell the provider that a server rejected a token, so that the next call fetches a
	 * new one instead of serving it again.
	 * @param audience the audience the token was for
	 * @param rejected the rejected token
	 */
	default void invalidate(String audience, IdToken rejected) {
	}

	/**
	 * Return when the token cached for an audience was fetched and when it expires, for
	 * monitoring; never the token itself.
	 * @param audience the audience
	 * @return the cached token's times, or {@code null} when none is cached or the
	 * provider does not cache
	 */
	default @Nullable IdTokenStatus status(String audience) {
		return null;
	}

}
