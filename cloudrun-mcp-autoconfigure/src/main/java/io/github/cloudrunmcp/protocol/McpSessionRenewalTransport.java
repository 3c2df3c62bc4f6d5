package io.github.cloudrunmcp.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A transport that notices when a session is initialized after the first one, and then
 * publishes an {@link McpSessionRenewedEvent}, on a thread where listeners may block.
 */
public final class McpSessionRenewalTransport implements McpClientTransport {

	private static final Log logger = LogFactory.getLog(McpSessionRenewalTransport.class);

	private final McpClientTransport delegate;

	private final ResumableStreamableHttpTransport transport;

	private final String server;

	private final Consumer<Object> publisher;

	private final Map<String, Boolean> initializeIds = new ConcurrentHashMap<>();

	private final AtomicLong initialized = new AtomicLong();

	McpSessionRenewalTransport(McpClientTransport delegate, ResumableStreamableHttpTransport transport, String server,
			Consumer<Object> publisher) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
		this.transport = Objects.requireNonNull(transport, "transport");
		this.server = Objects.requireNonNull(server, "server");
		this.publisher = Objects.requireNonNull(publisher, "publisher");
	}

	@Override
	public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
		return this.delegate.connect((incoming) -> handler.apply(incoming.doOnNext(this::received)));
	}

	@Override
	public Mono<Void> sendMessage(JSONRPCMessage message) {
		if (message instanceof McpSchema.JSONRPCRequest request
				&& McpSchema.METHOD_INITIALIZE.equals(request.method())) {
			this.initializeIds.put(String.valueOf(request.id()), Boolean.TRUE);
		}
		return this.delegate.sendMessage(message);
	}

	private void received(JSONRPCMessage message) {
		if (!(message instanceof McpSchema.JSONRPCResponse response)
				|| this.initializeIds.remove(String.valueOf(response.id())) == null || response.error() != null) {
			return;
		}
		long count = this.initialized.incrementAndGet();
		if (count < 2) {
			return;
		}
		McpSessionRenewedEvent event = new McpSessionRenewedEvent(this.server, this.transport.protocolVersion(),
				count - 1, Instant.now());
		if (logger.isInfoEnabled()) {
			logger.info("MCP server '" + this.server + "' has a new session (renewal " + (count - 1)
					+ "); what was set up through the old one must be set up again.");
		}
		Schedulers.boundedElastic().schedule(() -> {
			try {
				this.publisher.accept(event);
			}
			catch (RuntimeException ex) {
				logger.warn("A listener of " + event + " failed", ex);
			}
		});
	}

	@Override
	public void setExceptionHandler(Consumer<Throwable> handler) {
		this.delegate.setExceptionHandler(handler);
	}

	@Override
	public Mono<Void> closeGracefully() {
		return this.delegate.closeGracefully();
	}

	@Override
	public void close() {
		this.delegate.close();
	}

	@Override
	public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
		return this.delegate.unmarshalFrom(data, typeRef);
	}

	@Override
	public List<String> protocolVersions() {
		return this.delegate.protocolVersions();
	}

	/**
	 * Return a decorator that wraps each server's transport in one of these.
	 * @param publisher receives the events
	 * @return the decorator
	 */
	public static McpTransportDecorator decorator(Consumer<Object> publisher) {
		return (server, transport, decorated) -> new McpSessionRenewalTransport(decorated, transport, server.name(),
				publisher);
	}

}
