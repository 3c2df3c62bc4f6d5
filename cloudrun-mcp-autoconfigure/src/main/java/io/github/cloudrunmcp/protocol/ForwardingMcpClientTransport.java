package io.github.cloudrunmcp.protocol;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import reactor.core.publisher.Mono;

/**
 * A 2025-11-25 client transport that forwards everything to another one: the base of
 * transport decorators ({@link McpTransportDecorator}), which override only what they
 * observe or amend, and so pass on whatever else the SDK asks of a transport.
 */
public abstract class ForwardingMcpClientTransport implements McpClientTransport {

	private final McpClientTransport delegate;

	/**
	 * Forward to a transport.
	 * @param delegate the transport
	 */
	protected ForwardingMcpClientTransport(McpClientTransport delegate) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
	}

	/**
	 * Return the transport forwarded to.
	 * @return the transport
	 */
	protected final McpClientTransport delegate() {
		return this.delegate;
	}

	@Override
	public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
		return this.delegate.connect(handler);
	}

	@Override
	public Mono<Void> sendMessage(JSONRPCMessage message) {
		return this.delegate.sendMessage(message);
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

}
