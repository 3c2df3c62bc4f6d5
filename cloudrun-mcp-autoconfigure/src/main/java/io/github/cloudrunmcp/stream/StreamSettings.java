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
 * @param responseTimeout how long a stream's request may wait for the response's status
 * and headers before the attempt counts as failed
 */
public record StreamSettings(int buffer, OverflowPolicy overflow, int maxEventSize, Duration readTimeout,
		Duration shutdownGrace, Reconnect reconnect, Duration responseTimeout) {

	/**
	 * The response timeout of {@link #defaults()} and of the six-argument constructor.
	 */
	public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Create settings.
	 * @param buffer how many events may wait between the network and the consumers
	 * @param overflow what happens when the buffer is full
	 * @param maxEventSize the largest event in bytes
	 * @param readTimeout the longest silence on a connection
	 * @param shutdownGrace how long buffered events may take at shutdown
	 * @param reconnect the reconnect backoff
	 * @param responseTimeout the longest wait for a response's headers
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
		Objects.requireNonNull(responseTimeout, "responseTimeout");
		if (readTimeout.isNegative() || readTimeout.isZero() || responseTimeout.isNegative()
				|| responseTimeout.isZero()) {
			throw new IllegalArgumentException("readTimeout and responseTimeout must be positive");
		}
	}

	/**
	 * Create settings with the default response timeout of 30 seconds.
	 * @param buffer how many events may wait between the network and the consumers
	 * @param overflow what happens when the buffer is full
	 * @param maxEventSize the largest event in bytes
	 * @param readTimeout the longest silence on a connection
	 * @param shutdownGrace how long buffered events may take at shutdown
	 * @param reconnect the reconnect backoff
	 */
	public StreamSettings(int buffer, OverflowPolicy overflow, int maxEventSize, Duration readTimeout,
			Duration shutdownGrace, Reconnect reconnect) {
		this(buffer, overflow, maxEventSize, readTimeout, shutdownGrace, reconnect, DEFAULT_RESPONSE_TIMEOUT);
	}

	/**
	 * Return the defaults: buffer 32, block on overflow, 1 MiB events, 5 minutes read
	 * timeout, 5 seconds shutdown grace, {@link Reconnect#defaults()}, 30 seconds
	 * response timeout.
	 * @return the defaults
	 */
	public static StreamSettings defaults() {
		return new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofMinutes(5), Duration.ofSeconds(5),
				Reconnect.defaults(), DEFAULT_RESPONSE_TIMEOUT);
	}

	/**
	 * Reconnect backoff: the n-th consecutive failure waits
	 * {@code min(base * multiplier^(n-1), maxDelay)}, spread by {@code ±jitter}, and at
	 * least the server's {@code Retry-After}.
	 *
	 * <p>
	 * After a connection that made progress ended cleanly, {@code base} is the server's
	 * {@code retry:} value when it sent one, else {@code initialDelay}; after a failure
	 * it is the larger of the two, so that a server cannot shorten the backoff of
	 * failures with {@code retry: 0}. Server-suggested delays ({@code retry:} and
	 * {@code Retry-After}) are held between {@link #MIN_SERVER_DELAY} and
	 * {@link #MAX_SERVER_DELAY}; the arithmetic saturates, so no value a server sends
	 * makes the computation throw.
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
		 * The shortest wait a server's {@code retry:} can ask for: 100 ms.
		 */
		public static final Duration MIN_SERVER_DELAY = Duration.ofMillis(100);

		/**
		 * The longest wait a server's {@code retry:} or {@code Retry-After} can ask for:
		 * 5 minutes. Longer requests (a {@code Retry-After} of a year) wait this long.
		 */
		public static final Duration MAX_SERVER_DELAY = Duration.ofMinutes(5);

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
			if (multiplier < 1 || Double.isNaN(multiplier) || Double.isInfinite(multiplier)) {
				throw new IllegalArgumentException("multiplier must be at least 1");
			}
			if (!(jitter >= 0 && jitter <= 1)) {
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
		 * Return the wait before an attempt, counting every attempt after the first as
		 * following a failure.
		 * @param attempt the attempt, from 1 after a connection ended
		 * @param serverRetry the server's {@code retry:} value, or {@code null}
		 * @param retryAfter the server's {@code Retry-After}, or {@code null}
		 * @return the wait
		 * @see #delay(int, Duration, Duration, boolean)
		 */
		public Duration delay(int attempt, @Nullable Duration serverRetry, @Nullable Duration retryAfter) {
			return delay(attempt, serverRetry, retryAfter, attempt > 1);
		}

		/**
		 * Return the wait before an attempt: {@code base × multiplier^(attempt - 1)},
		 * capped at {@code maxDelay} (or the server's longer {@code retry:}), spread by
		 * the jitter, and at least the server's {@code Retry-After}, both held within
		 * {@link #MIN_SERVER_DELAY} and {@link #MAX_SERVER_DELAY}. Never throws.
		 * @param attempt the attempt, from 1 after a connection ended
		 * @param serverRetry the server's {@code retry:} value, or {@code null}
		 * @param retryAfter the server's {@code Retry-After}, or {@code null}
		 * @param failed whether the connection before failed (an error, a refusal, an end
		 * without progress) rather than ended cleanly after progress
		 * @return the wait
		 */
		public Duration delay(int attempt, @Nullable Duration serverRetry, @Nullable Duration retryAfter,
				boolean failed) {
			double ceiling = millis(MAX_SERVER_DELAY);
			double initial = millis(this.initialDelay);
			double server = (serverRetry != null) ? clamp(millis(serverRetry), millis(MIN_SERVER_DELAY), ceiling) : -1;
			double base = (server < 0) ? initial : (failed ? Math.max(server, initial) : server);
			double cap = Math.max(millis(this.maxDelay), Math.max(server, 0));
			double grown = base * Math.pow(this.multiplier, Math.max(0, attempt - 1));
			double wait = (Double.isNaN(grown) || grown > cap) ? cap : grown;
			if (this.jitter > 0) {
				wait = wait * (1 + this.jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1));
			}
			if (retryAfter != null) {
				wait = Math.max(wait, clamp(millis(retryAfter), 0, ceiling));
			}
			return Duration.ofMillis(Math.round(clamp(wait, 0, Math.max(cap * 2, ceiling))));
		}

		private static double clamp(double value, double min, double max) {
			return Double.isNaN(value) ? max : Math.min(Math.max(value, min), max);
		}

		private static double millis(Duration duration) {
			if (duration.isNegative()) {
				return 0;
			}
			// toMillis() throws beyond Long.MAX_VALUE ms (292 million years).
			return (duration.getSeconds() >= Long.MAX_VALUE / 1000) ? Long.MAX_VALUE : duration.toMillis();
		}

		/**
		 * Parse a {@code Retry-After} header: seconds, or an HTTP date; held within zero
		 * and {@link #MAX_SERVER_DELAY}.
		 * @param value the header's value, or {@code null}
		 * @return the wait it asks for, or {@code null} when absent or unreadable
		 */
		public static @Nullable Duration retryAfter(@Nullable String value) {
			if (value == null || value.isBlank()) {
				return null;
			}
			String text = value.trim();
			if (text.isEmpty()) {
				// Only control characters (trim removes them, isBlank does not): no
				// digits
				// to parse.
				return null;
			}
			if (text.chars().allMatch((c) -> c >= '0' && c <= '9')) {
				// Digits only: any number of them, saturating at the ceiling.
				String digits = text.replaceFirst("^0+(?=.)", "");
				if (digits.length() > 12) {
					return MAX_SERVER_DELAY;
				}
				Duration asked = Duration.ofSeconds(Long.parseLong(digits));
				return (asked.compareTo(MAX_SERVER_DELAY) > 0) ? MAX_SERVER_DELAY : asked;
			}
			try {
				Duration until = Duration.between(Instant.now(),
						ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
				if (until.isNegative()) {
					return Duration.ZERO;
				}
				return (until.compareTo(MAX_SERVER_DELAY) > 0) ? MAX_SERVER_DELAY : until;
			}
			catch (DateTimeParseException | ArithmeticException ex) {
				return null;
			}
		}

	}

}
