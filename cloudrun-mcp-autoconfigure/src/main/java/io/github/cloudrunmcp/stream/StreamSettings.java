package io.github.cloudrunmcp.stream;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link McpEventStream}.
 *
 * @param buffer how many events may wait between the network and the consumers
 * @param overflow what happens when the buffer is full
 * @param maxEventSize the largest event in bytes
 * @param readTimeout how long a connection may stay silent (no bytes, not even a comment)
 * before it is dropped and reopened
 * @param shutdownGrace how long buffered events may take to reach consumers at shutdown
 * @param reconnect the reconnect backoff
 */
public record StreamSettings(int buffer, OverflowPolicy overflow, int maxEventSize, Duration readTimeout,
		Duration shutdownGrace, Reconnect reconnect) {

	/**
	 * Create settings.
	 * @param buffer how many events may wait between the network and the consumers
	 * @param overflow what happens when the buffer is full
	 * @param maxEventSize the largest event in bytes
	 * @param readTimeout the longest silence on a connection
	 * @param shutdownGrace how long buffered events may take at shutdown
	 * @param reconnect the reconnect backoff
	 */
	public StreamSettings {
		if (buffer < 1) {
			throw new IllegalArgumentException("buffer must be at least 1");
		}
		if (maxEventSize < 1) {
			throw new IllegalArgumentException("maxEventSize must be positive");
		}
		Objects.requireNonNull(overflow, "overflow");
		Objects.requireNonNull(readTimeout, "readTimeout");
		Objects.requireNonNull(shutdownGrace, "shutdownGrace");
		Objects.requireNonNull(reconnect, "reconnect");
	}

	/**
	 * Return the defaults: buffer 32, block on overflow, 1 MiB events, 5 minutes read
	 * timeout, 5 seconds shutdown grace, and {@link Reconnect#defaults()}.
	 * @return the defaults
	 */
	public static StreamSettings defaults() {
		return new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofMinutes(5), Duration.ofSeconds(5),
				Reconnect.defaults());
	}

	/**
	 * Reconnect backoff: the n-th consecutive failure waits
	 * {@code min(base * multiplier^(n-1), maxDelay)}, spread by {@code ±jitter}, where
	 * {@code base} is the server's {@code retry:} value when it sent one, else
	 * {@code initialDelay}.
	 *
	 * @param initialDelay the first wait
	 * @param maxDelay the longest wait
	 * @param multiplier the growth per failure
	 * @param jitter the random spread, a fraction from 0 to 1
	 * @param maxAttempts consecutive failures before the stream gives up, 0 for never
	 */
	public record Reconnect(Duration initialDelay, Duration maxDelay, double multiplier, double jitter,
			int maxAttempts) {

		/**
		 * Create settings.
		 * @param initialDelay the first wait
		 * @param maxDelay the longest wait
		 * @param multiplier the growth per failure
		 * @param jitter the random spread
		 * @param maxAttempts consecutive failures before giving up, 0 for never
		 */
		public Reconnect {
			Objects.requireNonNull(initialDelay, "initialDelay");
			Objects.requireNonNull(maxDelay, "maxDelay");
			if (multiplier < 1) {
				throw new IllegalArgumentException("multiplier must be at least 1");
			}
			if (jitter < 0 || jitter > 1) {
				throw new IllegalArgumentException("jitter must be between 0 and 1");
			}
		}

		/**
		 * Return the defaults: 1 second doubling to 30 seconds, 20% jitter, never give
		 * up.
		 * @return the defaults
		 */
		public static Reconnect defaults() {
			return new Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2, 0);
		}

	}

}
