package io.github.cloudrunmcp.stream;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Why an event-stream connection ended: an HTTP status the stream cannot read events
 * from, or a response that is not an event stream.
 */
public class McpStreamException extends RuntimeException {

	private final String message;

	private final int status;

	private final boolean retryable;

	private final @Nullable Duration retryAfter;

	/**
	 * Create an exception.
	 * @param message what happened and what to do
	 * @param status the HTTP status, or 0
	 * @param retryable whether reconnecting may help
	 * @param retryAfter the server's {@code Retry-After}, if any
	 */
	public McpStreamException(String message, int status, boolean retryable, @Nullable Duration retryAfter) {
		super(message);
		this.message = message;
		this.status = status;
		this.retryable = retryable;
		this.retryAfter = retryAfter;
	}

	/**
	 * Return what happened and what to do: never {@code null}, unlike
	 * {@link Throwable#getMessage()}.
	 * @return the message
	 */
	@Override
	public String getMessage() {
		return this.message;
	}

	/**
	 * Return the HTTP status, or 0 when the failure was not a status.
	 * @return the status
	 */
	public int getStatus() {
		return this.status;
	}

	/**
	 * Return whether reconnecting may help.
	 * @return whether the stream retries
	 */
	public boolean isRetryable() {
		return this.retryable;
	}

	/**
	 * Return the server's {@code Retry-After}, if it sent one.
	 * @return the delay, or {@code null}
	 */
	public @Nullable Duration getRetryAfter() {
		return this.retryAfter;
	}

}
