package io.github.cloudrunmcp.observation;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.cloudrunmcp.protocol.ForwardingMcpClientTransport;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * An MCP client transport that observes every request it sends, from the send to the
 * response, and carries the trace context into the server: in the request's
 * {@code params._meta} (written by the tracing handler through
 * {@link McpClientObservationContext}'s carrier) and, through the Reactor context that
 * {@link McpTraceContextFilterFunction} reads, as HTTP headers.
 *
 * <p>
 * A request whose response never comes (the client gave up) is ended as a timeout after
 * the request timeout, so that no observation stays open.
 */
public final class ObservedMcpClientTransport extends ForwardingMcpClientTransport {

	private static final TypeRef<Map<String, Object>> MAP = new TypeRef<>() {
	};

	private final String server;

	private final Supplier<@Nullable String> protocolVersion;

	private final Supplier<@Nullable String> sessionId;

	private final ObservationRegistry registry;

	private final @Nullable McpClientObservationConvention convention;

	private final Duration timeout;

	private final Map<String, Pending> pending = new ConcurrentHashMap<>();

	/**
	 * Wrap a transport.
	 * @param delegate the transport that sends
	 * @param server the server's name
	 * @param protocolVersion the session's negotiated protocol revision
	 * @param sessionId the session's ID
	 * @param registry where observations go
	 * @param convention replaces the default convention, or {@code null}
	 * @param timeout after how long a request without response is ended as a timeout
	 */
	public ObservedMcpClientTransport(McpClientTransport delegate, String server,
			Supplier<@Nullable String> protocolVersion, Supplier<@Nullable String> sessionId,
			ObservationRegistry registry, @Nullable McpClientObservationConvention convention, Duration timeout) {
		super(delegate);
		this.server = Objects.requireNonNull(server, "server");
		this.protocolVersion = Objects.requireNonNull(protocolVersion, "protocolVersion");
		this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
		this.registry = Objects.requireNonNull(registry, "registry");
		this.convention = convention;
		this.timeout = Objects.requireNonNull(timeout, "timeout");
	}

	@Override
	public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
		return delegate().connect((incoming) -> handler.apply(incoming.doOnNext(this::received)));
	}

	@Override
	public Mono<Void> sendMessage(JSONRPCMessage message) {
		if (!(message instanceof McpSchema.JSONRPCRequest request)) {
			return delegate().sendMessage(message);
		}
		return Mono.deferContextual((reactorContext) -> {
			Map<String, Object> params = params(request.params());
			Map<String, Object> meta = RequestMeta.of(params);
			McpSchema.JSONRPCRequest sent = new McpSchema.JSONRPCRequest(request.jsonrpc(), request.method(),
					request.id(), params);
			McpClientObservationContext context = new McpClientObservationContext(this.server, sent,
					this.protocolVersion.get(), this.sessionId.get());
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
			String key = String.valueOf(request.id());
			Disposable expiry = Mono.delay(this.timeout)
				.subscribe((tick) -> end(key, null,
						new TimeoutException("No response to " + request.method() + " within " + this.timeout)));
			this.pending.put(key, new Pending(observation, context, expiry));
			return delegate().sendMessage(sent)
				.doOnError((ex) -> end(key, null, ex))
				.contextWrite((writable) -> writable.put(ObservationThreadLocalAccessor.KEY, observation)
					.put(McpTraceContextFilterFunction.CONTEXT_KEY, RequestMeta.traceHeaders(meta)));
		});
	}

	private Map<String, Object> params(@Nullable Object params) {
		if (params == null) {
			return new LinkedHashMap<>();
		}
		return new LinkedHashMap<>(delegate().unmarshalFrom(params, MAP));
	}

	private void received(JSONRPCMessage message) {
		if (message instanceof McpSchema.JSONRPCResponse response) {
			end(String.valueOf(response.id()), response, null);
		}
	}

	private void end(String key, McpSchema.@Nullable JSONRPCResponse response, @Nullable Throwable error) {
		Pending done = this.pending.remove(key);
		if (done == null) {
			return;
		}
		done.expiry().dispose();
		if (response != null) {
			done.context().setResponse(response);
		}
		if (error != null) {
			done.observation().error(error);
		}
		done.observation().stop();
	}

	private record Pending(Observation observation, McpClientObservationContext context, Disposable expiry) {

	}

}
