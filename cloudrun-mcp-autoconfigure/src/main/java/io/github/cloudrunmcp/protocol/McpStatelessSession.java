package io.github.cloudrunmcp.protocol;

import java.util.Objects;

import io.github.cloudrunmcp.server.McpServer;
import io.modelcontextprotocol.modern.client.McpAsyncClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;

/**
 * The 2026-07-28 (stateless) MCP client of one server: its transport, the SDK's
 * asynchronous and synchronous clients on it (the revision has no session, so both can
 * share the transport), and the {@code subscriptions/listen} stream that carries the
 * server's notifications.
 *
 * @param server the server
 * @param transport the transport
 * @param async the asynchronous client
 * @param sync the synchronous client
 * @param listen the listen stream
 */
public record McpStatelessSession(McpServer server, StatelessStreamableHttpTransport transport, McpAsyncClient async,
		McpSyncClient sync, McpListenStream listen) {

	/**
	 * Create a session holder.
	 * @param server the server
	 * @param transport the transport
	 * @param async the asynchronous client
	 * @param sync the synchronous client
	 * @param listen the listen stream
	 */
	public McpStatelessSession {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(transport, "transport");
		Objects.requireNonNull(async, "async");
		Objects.requireNonNull(sync, "sync");
		Objects.requireNonNull(listen, "listen");
	}

}
