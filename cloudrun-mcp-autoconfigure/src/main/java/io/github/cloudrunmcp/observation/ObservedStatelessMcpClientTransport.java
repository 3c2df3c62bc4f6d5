package io.github.cloudrunmcp.observation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.github.cloudrunmcp.protocol.ForwardingStatelessMcpClientTransport;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.client.transport.McpClientTransport;
import io.modelcontextprotocol.modern.client.transport.McpTransportRequest;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * A 2026-07-28 (stateless) MCP client transport that observes every request
 * ({@code mcp.client.operation}, with the same keys as a 2025-11-25 request; there is no
 * session ID) from the {@code POST} to its response, and carries the trace context into
 * the server in {@code params._meta} and, through {@link McpTraceContextFilterFunction},
 * as HTTP headers. Each round of a multi-round-trip request is one observation.
 */
public final class ObservedStatelessMcpClientTransport extends ForwardingStatelessMcpClientTransport {

	private static final TypeRef<Map<String, Object>> MAP = new TypeRef<>() {
	};

	private final String server;

	private final McpJsonMapper jsonMapper;

	private final ObservationRegistry registry;

	private final @Nullable McpClientObservationConvention convention;

	/**
	 * Wrap a transport.
	 * @param delegate the transport that sends
	 * @param server the server's name
	 * @param jsonMapper the mapper of JSON-RPC messages, to read and amend the params
	 * @param registry where observations go
	 * @param convention replaces the default convention, or {@code null}
	 */
	public ObservedStatelessMcpClientTransport(McpClientTransport delegate, String server, McpJsonMapper jsonMapper,
			ObservationRegistry registry, @Nullable McpClientObservationConvention convention) {
		super(delegate);
		this.server = Objects.requireNonNull(server, "server");
		this.jsonMapper = Objects.requireNonNull(jsonMapper, "jsonMapper");
		this.registry = Objects.requireNonNull(registry, "registry");
		this.convention = convention;
	}

	@Override
	public Flux<JsonRpc.JSONRPCMessage> exchange(McpTransportRequest request) {
		return Flux.deferContextual((reactorContext) -> {
			JsonRpc.JSONRPCRequest message = request.message();
			Map<String, Object> params = params(message.params());
			Map<String, Object> meta = RequestMeta.of(params);
			McpClientObservationContext context = new McpClientObservationContext(this.server,
					new McpSchema.JSONRPCRequest(message.jsonrpc(), message.method(), message.id(), params),
					request.protocolVersion(), null);
			context.setCarrier(meta);
			Observation parent = reactorContext.getOrDefault(ObservationThreadLocalAccessor.KEY,
					this.registry.getCurrentObservation());
			Observation observation = Observation
				.createNotStarted(this.convention, new DefaultMcpClientObservationConvention(), () -> context,
						this.registry)
				.parentObservation(parent)
				.start();
			if (!meta.isEmpty()) {
				params.put("_meta", meta);
			}
			McpTransportRequest sent = withParams(request, params);
			return delegate().exchange(sent).doOnNext((received) -> {
				if (received instanceof JsonRpc.JSONRPCResponse response) {
					context.setResponse(legacy(response));
				}
			})
				.doOnError(observation::error)
				.doFinally((signal) -> observation.stop())
				.contextWrite((writable) -> writable.put(ObservationThreadLocalAccessor.KEY, observation)
					.put(McpTraceContextFilterFunction.CONTEXT_KEY, RequestMeta.traceHeaders(meta)));
		});
	}

	private Map<String, Object> params(@Nullable Object params) {
		if (params == null) {
			return new LinkedHashMap<>();
		}
		return new LinkedHashMap<>(this.jsonMapper.convertValue(params, MAP));
	}

	private static McpTransportRequest withParams(McpTransportRequest request, Map<String, Object> params) {
		JsonRpc.JSONRPCRequest message = request.message();
		McpTransportRequest.Builder builder = McpTransportRequest.builder(
				new JsonRpc.JSONRPCRequest(message.jsonrpc(), message.method(), message.id(), params),
				request.protocolVersion());
		String name = request.name();
		if (name != null) {
			builder.name(name);
		}
		Map<String, String> paramHeaders = request.paramHeaders();
		if (paramHeaders != null) {
			builder.paramHeaders(paramHeaders);
		}
		if (request.roundTimeout() != null) {
			builder.roundTimeout(request.roundTimeout());
		}
		return builder.build();
	}

	private static McpSchema.JSONRPCResponse legacy(JsonRpc.JSONRPCResponse response) {
		JsonRpc.JSONRPCResponse.JSONRPCError error = response.error();
		return new McpSchema.JSONRPCResponse(response.jsonrpc(), response.id(), response.result(), (error != null)
				? new McpSchema.JSONRPCResponse.JSONRPCError(error.code(), error.message(), error.data()) : null);
	}

}
