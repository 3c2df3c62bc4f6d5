package io.github.cloudrunmcp.http;

import java.io.IOException;
import java.util.Set;

import io.netty.util.AttributeKey;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientInfos;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * Sends an idempotent request ({@code GET}, {@code HEAD}, {@code OPTIONS}, {@code PUT},
 * {@code DELETE}) a second time, once, when it was written on a reused keep-alive
 * connection that the server or a proxy closed or reset before any byte of a response
 * came: the race of a request with the other side's idle timeout, which RFC 9110 (9.2.2)
 * allows a client to repair for idempotent methods.
 *
 * <p>
 * Everything else fails as it did: a {@code POST} (a tool call, a listen request) may
 * have been processed by the server, so it is never sent twice; and a request that was
 * not written at all is already retried once by Reactor Netty, so it is not retried here
 * again. The filter knows what happened on the connection only through a client prepared
 * with {@link #observe(HttpClient)}; with any other connector it never retries.
 */
public final class ReusedConnectionRetry implements ExchangeFilterFunction {

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE);

	private static final AttributeKey<Boolean> ANSWERED = AttributeKey
		.valueOf(ReusedConnectionRetry.class.getName() + ".answered");

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		if (!IDEMPOTENT.contains(request.method())) {
			return next.exchange(request);
		}
		return Mono.defer(() -> {
			Exchange exchange = new Exchange();
			return next.exchange(request)
				.contextWrite((context) -> context.put(Exchange.class, exchange))
				.onErrorResume((ex) -> exchange.unanswered(ex), (ex) -> next.exchange(request));
		});
	}

	/**
	 * Prepare a client so that the filter can tell a reused connection closed before the
	 * response from any other failure.
	 * @param client the client
	 * @return the client that reports its connections to the filter
	 */
	public static HttpClient observe(HttpClient client) {
		return client.doOnRequest((request, connection) -> exchange(request).ifPresent((exchange) -> {
			exchange.reused = answered(connection);
			exchange.written = false;
		}))
			.doAfterRequest((request, connection) -> exchange(request).ifPresent((exchange) -> exchange.written = true))
			.doOnResponse((response, connection) -> connection.channel().attr(ANSWERED).set(Boolean.TRUE));
	}

	private static java.util.Optional<Exchange> exchange(HttpClientInfos request) {
		return request.currentContextView().getOrEmpty(Exchange.class);
	}

	private static boolean answered(Connection connection) {
		return Boolean.TRUE.equals(connection.channel().attr(ANSWERED).get());
	}

	/** What one exchange went through, filled in from the network thread. */
	private static final class Exchange {

		volatile boolean reused;

		volatile boolean written;

		boolean unanswered(Throwable ex) {
			if (!(ex instanceof WebClientRequestException) || !this.reused || !this.written) {
				return false;
			}
			Throwable cause = ex.getCause();
			if (cause instanceof PrematureCloseException) {
				String message = cause.getMessage();
				return message != null && message.contains("BEFORE response");
			}
			return cause instanceof IOException && AbortedException.isConnectionReset(cause);
		}

	}

}
