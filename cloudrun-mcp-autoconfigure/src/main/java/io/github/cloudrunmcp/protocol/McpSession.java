package io.github.cloudrunmcp.protocol;

import java.util.Objects;

import io.github.cloudrunmcp.server.McpServer;
import io.modelcontextprotocol.client.McpAsyncClient;

/**
 * The MCP client of one server: its transport and the asynchronous client of the session
 * on it. The SDK's {@code McpSyncClient} can only own a session of its own, so none is
 * built here: block on the asynchronous client's results off Netty and Reactor threads.
 *
 * @param server the server
 * @param transport the transport
 * @param async the asynchronous client
 */
public record McpSession(McpServer server, ResumableStreamableHttpTransport transport, McpAsyncClient async) {

	/**
	 * Create a session holder.
	 * @param server the server
	 * @param transport the transport
	 * @param async the asynchronous client
	 */
	public McpSession {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(transport, "transport");
		Objects.requireNonNull(async, "async");
	}

}
