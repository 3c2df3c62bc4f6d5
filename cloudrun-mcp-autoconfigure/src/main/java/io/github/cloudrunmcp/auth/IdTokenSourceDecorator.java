package io.github.cloudrunmcp.auth;

/**
 * Wraps the {@link IdTokenSource} under each token cache, to observe or amend every fetch
 * (the token fetch observation does). Decorators apply in order, each around the previous
 * one.
 */
@FunctionalInterface
public interface IdTokenSourceDecorator {

	/**
	 * Wrap a source.
	 * @param source the source as decorated so far
	 * @return the source the cache fetches from
	 */
	IdTokenSource decorate(IdTokenSource source);

}
