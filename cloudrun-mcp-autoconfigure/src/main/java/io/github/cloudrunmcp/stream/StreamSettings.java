package io.github.cloudrunmcp.stream;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

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

		/**
		 * Return the wait before an attempt: {@code base × multiplier^(attempt - 1)},
		 * capped at {@code maxDelay}, spread by the jitter, and at least the server's
		 * {@code Retry-After}.
		 * @param attempt the attempt, from 1 after a connection ended
		 * @param serverRetry the server's {@code retry:} value, or {@code null} for
		 * {@code initialDelay}
		 * @param retryAfter the server's {@code Retry-After}, or {@code null}
		 * @return the wait
		 */
		public Duration delay(int attempt, @Nullable Duration serverRetry, @Nullable Duration retryAfter) {
			double base = ((serverRetry != null) ? serverRetry : this.initialDelay).toMillis();
			double millis = Math.min(base * Math.pow(this.multiplier, Math.max(0, attempt - 1)),
					this.maxDelay.toMillis());
			if (this.jitter > 0) {
				millis = millis * (1 + this.jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1));
			}
			if (retryAfter != null) {
				millis = Math.max(millis, retryAfter.toMillis());
			}
			return Duration.ofMillis(Math.max(0, Math.round(millis)));
		}

		/**
		 * Parse a {@code Retry-After} header: seconds, or an HTTP date.
		 * @param value the header's value, or {@code null}
		 * @return the wait it asks for, or {@code null} when absent or unreadable
		 */
		public static @Nullable Duration retryAfter(@Nullable String value) {
			if (value == null || value.isBlank()) {
				return null;
			}
			try {
				return Duration.ofSeconds(Long.parseLong(value.trim()));
			}
			catch (NumberFormatException ex) {
				try {
					Duration until = Duration.between(Instant.now(),
							ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
					return until.isNegative() ? Duration.ZERO : until;
				}
				catch (DateTimeParseException ignored) {
					return null;
				}
			}
		}

	}

}
