package io.github.cloudrunmcp.sse;

/**
 * Thrown when one event (or one line) grows past the parser's size limit. The connection
 * that carried it should be closed.
 */
public class SseEventTooLargeException extends RuntimeException {

	private final int limit;

	/**
	 * Create an exception.
	 * @param limit the limit in bytes
	 */
	public SseEventTooLargeException(int limit) {
		super("A Server-Sent Event exceeded " + limit + " bytes; the connection is closed. Raise "
				+ "cloudrun.mcp.stream.max-event-size if the server really sends events this large.");
		this.limit = limit;
	}

	/**
	 * Return the limit in bytes.
	 * @return the limit
	 */
	public int getLimit() {
		return this.limit;
	}

}
