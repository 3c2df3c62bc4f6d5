package io.github.cloudrunmcp.auth;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * {@link ExchangeFilterFunction} that adds a Google ID token to requests for the origins
 * of its {@link TokenRoute routes}, and to no other request.
 *
 * <p>
 * A request to any other origin passes through untouched, so the filter can sit on every
 * {@code WebClient} of an application. When the server answers {@code 401}, the token is
 * invalidated, one fresh token is fetched and the request is retried once; a second
 * {@code 401} becomes an {@link IdTokenRejectedException}, as does a {@code 401} for a
 * token the provider keeps (one fetched moments ago, see {@link CachingIdTokenProvider}),
 * so a server that rejects everything cannot drive a metadata-server call per request.
 */
public final class IdTokenExchangeFilterFunction implements ExchangeFilterFunction {

	private static final Log logger = LogFactory.getLog(IdTokenExchangeFilterFunction.class);

	private final Map<String, TokenRoute> routes;

	private final AtomicBoolean warnedNoCredentials = new AtomicBoolean();

	/**
	 * Create a filter for the given routes.
	 * @param routes the routes; the first route of an origin wins
	 */
	public IdTokenExchangeFilterFunction(List<TokenRoute> routes) {
		Map<String, TokenRoute> byOrigin = new HashMap<>();
		for (TokenRoute route : routes) {
			byOrigin.putIfAbsent(TokenRoute.originKey(route.origin()), route);
		}
		this.routes = Map.copyOf(byOrigin);
	}

	/**
	 * Create a filter that sends tokens for one audience to one origin.
	 * @param provider where tokens come from
	 * @param origin the origin requests must have to get a token
	 * @param audience the token's audience
	 * @return the filter
	 */
	public static IdTokenExchangeFilterFunction forOrigin(IdTokenProvider provider, URI origin, String audience) {
		return new IdTokenExchangeFilterFunction(
				List.of(new TokenRoute(origin, audience, provider, TokenRoute.TokenHeader.AUTHORIZATION, false)));
	}

	/**
	 * Return the route for a URL, if its origin has one.
	 * @param url the request URL
	 * @return the route, or {@code null}
	 */
	public @org.jspecify.annotations.Nullable TokenRoute routeFor(URI url) {
		return this.routes.get(TokenRoute.originKey(url));
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		TokenRoute route = routeFor(request.url());
		if (route == null) {
			return next.exchange(request);
		}
		Mono<ClientResponse> exchange = route.provider()
			.idToken(route.audience())
			.flatMap((token) -> next.exchange(withToken(request, route, token))
				.flatMap((response) -> retryOnUnauthorized(request, next, route, token, response)));
		if (!route.optional()) {
			return exchange;
		}
		return exchange.onErrorResume(GoogleCredentialsUnusableException.class, (ex) -> {
			if (!ex.isMissing()) {
				return Mono.error(ex);
			}
			if (this.warnedNoCredentials.compareAndSet(false, true)) {
				logger.warn("No Google credentials found, so requests to " + route.origin()
						+ " go without an ID token (cloudrun.mcp.auth.mode=auto). Set cloudrun.mcp.auth.mode=google "
						+ "to require one.");
			}
			return next.exchange(request);
		});
	}

	private Mono<ClientResponse> retryOnUnauthorized(ClientRequest request, ExchangeFunction next, TokenRoute route,
			IdToken rejected, ClientResponse response) {
		if (response.statusCode().value() != HttpStatus.UNAUTHORIZED.value()) {
			return Mono.just(response);
		}
		return response.releaseBody().then(Mono.defer(() -> {
			route.provider().invalidate(route.audience(), rejected);
			return route.provider().idToken(route.audience());
		})).flatMap((fresh) -> {
			if (fresh.value().equals(rejected.value())) {
				// The provider kept the token (it is fresh, or the provider cannot
				// refresh): sending it again would only be rejected again.
				return Mono.error(new IdTokenRejectedException(route.audience(), urlWithoutQuery(request.url())));
			}
			return next.exchange(withToken(request, route, fresh));
		}).flatMap((retried) -> {
			if (retried.statusCode().value() != HttpStatus.UNAUTHORIZED.value()) {
				return Mono.just(retried);
			}
			return retried.releaseBody()
				.then(Mono.error(new IdTokenRejectedException(route.audience(), urlWithoutQuery(request.url()))));
		});
	}

	private static ClientRequest withToken(ClientRequest request, TokenRoute route, IdToken token) {
		return ClientRequest.from(request)
			.headers((headers) -> headers.set(route.header().headerName(), "Bearer " + token.value()))
			.build();
	}

	private static String urlWithoutQuery(URI url) {
		return url.getScheme() + "://" + url.getRawAuthority() + ((url.getRawPath() != null) ? url.getRawPath() : "");
	}

}
