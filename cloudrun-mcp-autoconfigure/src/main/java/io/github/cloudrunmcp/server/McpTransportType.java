package io.github.cloudrunmcp.server;

/**
 * How the application talks to an MCP server.
 */
public enum McpTransportType {

	/**
	 * A plain Server-Sent-Events stream of events at the server's events path, read by
	 * its {@code McpEventStream}.
	 */
	EVENTS,

	/**
	 * The Model Context Protocol over Streamable HTTP at the server's MCP path, through
	 * the official MCP Java SDK; the session's notifications reach the server's
	 * {@code McpEventStream}.
	 */
	STREAMABLE_HTTP

}
