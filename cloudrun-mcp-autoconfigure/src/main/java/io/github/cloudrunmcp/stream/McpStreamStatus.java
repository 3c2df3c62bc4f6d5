package io.github.cloudrunmcp.stream;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The state of an {@link McpEventStream} at one moment.
 *
 * @param state the state
 * @param attempt the number of consecutive failed connection attempts
 * @param nextDelay the wait before the next connection attempt, when reconnecting
 * @param cause why the last connection ended, if it failed
 * @param since when the stream entered this state
 */
public record McpStreamStatus(State state, int attempt, @Nullable Duration nextDelay, @Nullable Throwable cause,
		Instant since) {

	/**
	 * States of a stream.
	 */
	public enum State {

		/** Not started yet. */
		NEW,

		/** Opening a connection. */
		CONNECTING,

		/** Connected and receiving. */
		OPEN,

		/** The connection ended; waiting {@code nextDelay} before the next attempt. */
		RECONNECTING,

		/** Stopped: the application is shutting down, or the server answered 204. */
		CLOSED,

		/**
		 * Given up: the server refused in a way that retrying cannot fix, or attempts ran
		 * out.
		 */
		FAILED

	}

	@Override
	public String toString() {
		return this.state + ((this.attempt > 0) ? " attempt " + this.attempt : "")
				+ ((this.nextDelay != null) ? " next in " + this.nextDelay.toMillis() + " ms" : "")
				+ ((this.cause != null) ? " (" + this.cause.getMessage() + ")" : "");
	}

}
