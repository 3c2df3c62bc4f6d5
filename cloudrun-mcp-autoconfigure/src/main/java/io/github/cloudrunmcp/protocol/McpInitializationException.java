package io.github.cloudrunmcp.protocol;

/**
 * An MCP server whose {@code fail-fast} is set could not be initialized at start-up.
 */
public class McpInitializationException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String server;

	/**
	 * Create an exception.
	 * @param server the server's name
	 * @param message what happened and what to do
	 * @param cause the cause
	 */
	public McpInitializationException(String server, String message, Throwable cause) {
		super(message, cause);
		this.server = server;
	}

	/**
	 * Return the name of the server that could not be initialized.
	 * @return the server's name
	 */
	public String getServer() {
		return this.server;
	}

}
