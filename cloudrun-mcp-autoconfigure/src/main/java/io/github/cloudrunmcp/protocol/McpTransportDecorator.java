package io.github.cloudrunmcp.protocol;

import io.github.cloudrunmcp.server.McpServer;
import io.modelcontextprotocol.spec.McpClientTransport;

/**
 * Wraps the transport that a server's MCP client sends through, to observe or amend every
 * message (observations and trace context do). Decorators apply in order, each around the
 * previous one; the session's {@link ResumableStreamableHttpTransport} stays the
 * innermost.
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

}
