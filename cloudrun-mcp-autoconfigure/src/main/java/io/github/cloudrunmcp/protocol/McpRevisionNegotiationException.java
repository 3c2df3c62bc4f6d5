package io.github.cloudrunmcp.protocol;

/**
 * An {@code auto} server answered neither as a 2026-07-28 server
 * ({@code server/discover}) nor as a 2025-11-25 one ({@code initialize}): the message
 * says what each answered.
 */
public class McpRevisionNegotiationException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String server;

	/**
	 * Create an exception.
	 * @param server the server's name
	 * @param message what each step answered
	 * @param cause why the last step failed
	 */
	public McpRevisionNegotiationException(String server, String message, Throwable cause) {
		super("MCP server '" + server + "' speaks neither 2026-07-28 nor 2025-11-25: " + message
				+ ". Check its base-url and mcp-path, or set its revision to the one it speaks.", cause);
		this.server = server;
	}

	/**
	 * Return the name of the server.
	 * @return the server's name
	 */
	public String getServer() {
		return this.server;
	}

}
