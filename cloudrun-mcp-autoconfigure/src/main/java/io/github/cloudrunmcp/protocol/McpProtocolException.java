package io.github.cloudrunmcp.protocol;

import io.modelcontextprotocol.spec.McpTransportException;

/**
 * An MCP server answered in a way the protocol does not allow, or could not be reached;
 * the message says what happened and what to check.
 */
public class McpProtocolException extends McpTransportException {

	private static final long serialVersionUID = 1L;

	private final int status;

	/**
	 * Create an exception.
	 * @param message what happened and what to do
	 * @param status the HTTP status, or 0 when there was no response
	 * @param cause the cause, or {@code null}
	 */
	public McpProtocolException(String message, int status, @org.jspecify.annotations.Nullable Throwable cause) {
		super(message, cause);
		this.status = status;
	}

	/**
	 * Return the HTTP status of the response, or 0 when there was no response.
	 * @return the status
	 */
	public int getStatus() {
		return this.status;
	}

}
