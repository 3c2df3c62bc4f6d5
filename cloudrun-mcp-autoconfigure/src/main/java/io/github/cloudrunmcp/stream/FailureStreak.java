package io.github.cloudrunmcp.stream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * Logs the failures of something that is retried until it works: the first few at INFO,
 * then at WARN saying since when it fails, but only at attempts 2^n past that so that a
 * long outage does not write a line per attempt; the rest at DEBUG. One INFO line says
 * how long it was down once it works again. Used for everything retried in the
 * background: stream reconnects, session initialization, revision negotiation, liveness
 * probes.
 */
public final class FailureStreak {

	/**
	 * Failed attempts logged at INFO before the streak escalates to WARN.
	 */
	public static final int QUIET_ATTEMPTS = 3;

	private final Log logger;

	private final int quietAttempts;

	private final Clock clock;

	private @Nullable Instant since;

	private long attempts;

	/**
	 * Create a streak.
	 * @param logger the logger to write to
	 * @param quietAttempts failed attempts logged at INFO before WARN
	 * @param clock the clock that says since when
	 */
	public FailureStreak(Log logger, int quietAttempts, Clock clock) {
		this.logger = Objects.requireNonNull(logger, "logger");
		this.quietAttempts = quietAttempts;
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	/**
	 * Log one more failed attempt.
	 * @param what what failed, such as {@code "MCP server 'search' could not be
	 * initialized: connection refused"}
	 */
	public synchronized void failed(String what) {
		Instant now = this.clock.instant();
		Instant start = (this.since != null) ? this.since : now;
		this.since = start;
		long attempt = ++this.attempts;
		if (attempt <= this.quietAttempts) {
			this.logger.info(what + " (attempt " + attempt + "); retrying.");
			return;
		}
		String line = what + "; failing since "
				+ LocalTime.ofInstant(start, this.clock.getZone()).truncatedTo(ChronoUnit.SECONDS) + " (" + attempt
				+ " attempts); retrying.";
		long past = attempt - this.quietAttempts;
		if ((past & (past - 1)) == 0) {
			this.logger.warn(line);
		}
		else if (this.logger.isDebugEnabled()) {
			this.logger.debug(line);
		}
	}

	/**
	 * Return whether the last attempt failed.
	 * @return whether a streak of failures is running
	 */
	public synchronized boolean failing() {
		return this.since != null;
	}

	/**
	 * Log that it works again, if it failed before.
	 * @param what what works again, such as {@code "MCP server 'search' initialized"}
	 */
	public synchronized void recovered(String what) {
		Instant start = this.since;
		if (start == null) {
			return;
		}
		Duration down = Duration.between(start, this.clock.instant()).truncatedTo(ChronoUnit.MILLIS);
		this.logger.info(what + " after failing for " + down.toString().substring(2).toLowerCase() + " ("
				+ this.attempts + " failed attempts).");
		this.since = null;
		this.attempts = 0;
	}

}
