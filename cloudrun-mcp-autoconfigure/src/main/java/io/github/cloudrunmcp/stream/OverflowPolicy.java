package io.github.cloudrunmcp.stream;

/**
 * What the stream does when its buffer is full because consumers are slower than the
 * server.
 */
public enum OverflowPolicy {

	/**
	 * Stop reading from the socket until there is room: TCP back-pressure, nothing lost.
	 */
	BLOCK,

	/** Drop the oldest buffered event to make room; every drop is counted. */
	DROP_OLDEST,

	/** Drop the newly arrived event; every drop is counted. */
	DROP_LATEST,

	/**
	 * End the connection with an error, then reconnect and resume from the last event ID.
	 */
	ERROR

}
