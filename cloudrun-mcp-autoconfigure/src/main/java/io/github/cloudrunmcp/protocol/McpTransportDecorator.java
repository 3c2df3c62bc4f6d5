package io.github.cloudrunmcp.protocol;

import io.github.cloudrunmcp.server.McpServer;
import io.modelcontextprotocol.spec.McpClientTransport;

/**
 * Wraps the transport that a server's MCP client sends through, to observe or amend every
 * message (observations and trace context do). Decorators apply in order, each around the
 * previous one; the session's {@link ResumableStreamableHttpTransport} (or
 * {@link StatelessStreamableHttpTransport}) stays the innermost.
 */
@FunctionalInterface
public interface McpTransportDecorator {

	/**
	 * Wrap a server's transport.
	 * @param server the server
	 * @param transport the server's own transport, for its session and protocol version
	 * @param decorated the transport as decorated so far
	 * @return the transport the client sends through
	 */
	McpClientTransport decorate(McpServer server, ResumableStreamableHttpTransport transport,
			McpClientTransport decorated);

	/**
	 * Wrap the transport of a 2026-07-28 (stateless) server; by default it is left as it
	 * is.
	 * @param server the server
	 * @param transport the server's own transport
	 * @param decorated the transport as decorated so far
	 * @return the transport the clients send through
	 */
	default io.modelcontextprotocol.modern.client.transport.McpClientTransport decorateStateless(McpServer server,
			StatelessStreamableHttpTransport transport,
			io.modelcontextprotocol.modern.client.transport.McpClientTransport decorated) {
		return decorated;
	}

}
