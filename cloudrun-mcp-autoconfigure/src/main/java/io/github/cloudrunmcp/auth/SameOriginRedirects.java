package io.github.cloudrunmcp.auth;

import java.net.URI;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Redirect policy for Reactor Netty's {@link HttpClient} that keeps a request to an
 * origin that gets ID tokens inside that origin.
 *
 * <p>
 * Reactor Netty follows redirects inside the connection, where no
 * {@code ExchangeFilterFunction} runs again, and strips only {@code Authorization}-type
 * headers on the way: a token in {@code X-Serverless-Authorization}, an
 * {@code Mcp-Session-Id}, a {@code Last-Event-ID} and a POST body would all reach the
 * redirect's target. So a redirect of such a request is followed only when its target has
 * the same scheme, host and port; any other redirect (another host or port, or https to
 * http) is not followed, and the caller receives the {@code 3xx} response as it is.
 * Requests to other origins keep the client's own redirect behaviour, and a client that
 * does not follow redirects is left as it is.
 */
public final class SameOriginRedirects {

	private final Predicate<URI> tokenOrigin;

	/**
	 * Create a policy.
	 * @param tokenOrigin whether a request URL belongs to an origin that gets tokens
	 */
	public SameOriginRedirects(Predicate<URI> tokenOrigin) {
		this.tokenOrigin = Objects.requireNonNull(tokenOrigin, "tokenOrigin");
	}

	/**
	 * Create the policy for the origins of a filter's routes.
	 * @param filter the filter whose routes' origins get tokens
	 * @return the policy
	 */
	public static SameOriginRedirects of(IdTokenExchangeFilterFunction filter) {
		return new SameOriginRedirects((url) -> filter.routeFor(url) != null);
	}

	/**
	 * Return a client whose redirects follow this policy. Whatever else decides whether
	 * the client follows a redirect, and what it does to the redirected request, stays.
	 * @param client the client
	 * @return the client with this policy, or the same client if it does not follow
	 * redirects at all
	 */
	public HttpClient applyTo(HttpClient client) {
		BiPredicate<HttpClientRequest, HttpClientResponse> follows = client.configuration().followRedirectPredicate();
		if (follows == null) {
			return client;
		}
		BiPredicate<HttpClientRequest, HttpClientResponse> guarded = (request,
				response) -> follows.test(request, response) && mayFollow(request, response);
		BiConsumer<HttpHeaders, HttpClientRequest> biConsumer = client.configuration().redirectRequestBiConsumer();
		if (biConsumer != null) {
			return client.followRedirect(guarded, biConsumer);
		}
		Consumer<HttpClientRequest> consumer = client.configuration().redirectRequestConsumer();
		return client.followRedirect(guarded, consumer);
	}

	private boolean mayFollow(HttpClientRequest request, HttpClientResponse response) {
		String url = request.resourceUrl();
		if (url == null) {
			return false;
		}
		URI from;
		try {
			from = URI.create(url);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		return mayFollow(from, response.responseHeaders().get(HttpHeaderNames.LOCATION));
	}

	/**
	 * Return whether a redirect from a URL to a {@code Location} may be followed.
	 * @param from the URL that answered with the redirect
	 * @param location the response's {@code Location} header, or {@code null}
	 * @return {@code true} when {@code from} gets no tokens, or when the location
	 * resolves to the same scheme, host and port as {@code from}
	 */
	public boolean mayFollow(URI from, @Nullable String location) {
		if (!this.tokenOrigin.test(from)) {
			return true;
		}
		if (location == null || location.isBlank()) {
			return false;
		}
		try {
			URI to = from.resolve(location.trim());
			return to.isAbsolute() && to.getHost() != null
					&& TokenRoute.originKey(to).equals(TokenRoute.originKey(from));
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

}
