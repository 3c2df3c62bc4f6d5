package io.github.cloudrunmcp.protocol;

import java.util.Objects;

import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.client.transport.McpClientTransport;
import io.modelcontextprotocol.modern.client.transport.McpTransportRequest;
import reactor.core.publisher.Flux;

/**
 * A 2026-07-28 (stateless) client transport that forwards everything to another one: the
 * base of transport decorators ({@link McpTransportDecorator#decorateStateless
 * decorateStateless}), which override only what they observe or amend, and so pass on
 * whatever else the SDK asks of a transport.
 */
public abstract class ForwardingStatelessMcpClientTransport implements McpClientTransport {

	private final McpClientTransport delegate;

	/**
	 * Forward to a transport.
	 * @param delegate the transport
	 */
	protected ForwardingStatelessMcpClientTransport(McpClientTransport delegate) {
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
	public Flux<JsonRpc.JSONRPCMessage> exchange(McpTransportRequest request) {
		return this.delegate.exchange(request);
	}

	@Override
	public boolean mirrorsToolParams() {
		return this.delegate.mirrorsToolParams();
	}

}
