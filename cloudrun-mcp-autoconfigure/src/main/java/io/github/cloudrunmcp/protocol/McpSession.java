package io.github.cloudrunmcp.protocol;

import java.util.Objects;

import io.github.cloudrunmcp.server.McpServer;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpSyncClient;

/**
 * The MCP client of one server: its transport and the asynchronous and synchronous faces
 * of the one session they share.
 *
 * @param server the server
 * @param transport the transport
 * @param async the asynchronous client
 * @param sync the synchronous client, a blocking view of {@code async}
 */
public record McpSession(McpServer server, ResumableStreamableHttpTransport transport, McpAsyncClient async,
		McpSyncClient sync) {

	/**
	 * Create a session holder.
	 * @param server the server
	 * @param transport the transport
	 * @param async the asynchronous client
	 * @param sync the synchronous client
	 */
	public McpSession {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(transport, "transport");
		Objects.requireNonNull(async, "async");
		Objects.requireNonNull(sync, "sync");
	}

}
