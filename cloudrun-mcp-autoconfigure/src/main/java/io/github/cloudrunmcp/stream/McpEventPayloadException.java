package io.github.cloudrunmcp.stream;

/**
 * Thrown when an event's data cannot be read as JSON, or mapped to the requested type.
 * The message names the server, event id and type, never the payload.
 */
public class McpEventPayloadException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message what could not be read and why
	 * @param cause the parser's exception
	 */
	public McpEventPayloadException(String message, Throwable cause) {
		super(message, cause);
	}

}
