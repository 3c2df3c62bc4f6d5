package io.github.cloudrunmcp.observation;

import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Puts the trace context of an MCP request ({@code traceparent}, {@code tracestate}) into
 * its HTTP headers, unless the request already carries them (as it does when the
 * {@code WebClient} is observed itself, its exchange being a child of the MCP request).
 * The values come from the Reactor context, where {@link ObservedMcpClientTransport} puts
 * them; other requests pass unchanged.
 */
public final class McpTraceContextFilterFunction implements ExchangeFilterFunction {

	/** Key of the trace headers in the Reactor context. */
	public static final String CONTEXT_KEY = McpTraceContextFilterFunction.class.getName() + ".headers";

	/** The W3C trace context headers. */
	public static final List<String> HEADERS = List.of("traceparent", "tracestate");

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.deferContextual((context) -> {
			Map<String, String> headers = context.getOrDefault(CONTEXT_KEY, Map.of());
			if (headers == null || headers.isEmpty()) {
				return next.exchange(request);
			}
			ClientRequest traced = ClientRequest.from(request)
				.headers((httpHeaders) -> headers.forEach((name, value) -> {
					if (!httpHeaders.containsHeader(name)) {
						httpHeaders.set(name, value);
					}
				}))
				.build();
			return next.exchange(traced);
		});
	}

}
