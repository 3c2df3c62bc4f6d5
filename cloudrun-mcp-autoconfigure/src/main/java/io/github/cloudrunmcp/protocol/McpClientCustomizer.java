package io.github.cloudrunmcp.protocol;

import io.modelcontextprotocol.client.McpClient;

/**
 * Customizes the MCP client of a server before it is built: consumers, timeouts,
 * capabilities beyond those this library sets.
 */
@FunctionalInterface
public interface McpClientCustomizer {

	/**
	 * Customize a client.
	 * @param server the server's name
	 * @param spec the client's specification
	 */
	void customize(String server, McpClient.AsyncSpec spec);

}
