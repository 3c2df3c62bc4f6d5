package io.github.cloudrunmcp.protocol;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.cloudrunmcp.stream.FailureStreak;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;

/**
 * Asks every MCP server at a fixed interval whether it answers, so that an outage is
 * known (in {@link #liveness(String)}, the health, and a warning in the log) within one
 * interval, even when no call is in flight and no stream is open, and so is the recovery.
 *
 * <p>
 * Each check must answer within the interval. A failed check after a good one logs a
 * warning; further failures log at debug level; the first good check after failures logs
 * how long the server was down.
 */
public final class McpLivenessProbe implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(McpLivenessProbe.class);

	/**
	 * Lifecycle phase of the probe: after the sessions it asks through.
	 */
	public static final int PHASE = McpSessionLifecycle.PHASE + 1;

	private final Map<String, McpLivenessCheck> checks;

	private final Duration interval;

	private final Map<String, McpLiveness> results = new ConcurrentHashMap<>();

	private final Map<String, FailureStreak> failures = new ConcurrentHashMap<>();

	private volatile Disposable.Composite running = Disposables.composite();

	private volatile boolean started;

	/**
	 * Create a probe.
	 * @param checks the check of each server, by server name
	 * @param interval the time between two checks of a server, and the longest a check
	 * may take; zero or negative turns the probe off
	 */
	public McpLivenessProbe(Map<String, McpLivenessCheck> checks, Duration interval) {
		this.checks = new LinkedHashMap<>(Objects.requireNonNull(checks, "checks"));
		this.interval = Objects.requireNonNull(interval, "interval");
	}

	/**
	 * Return the interval between two checks of a server.
	 * @return the interval, zero when the probe is off
	 */
	public Duration interval() {
		return this.interval.isNegative() ? Duration.ZERO : this.interval;
	}

	/**
	 * Return whether a server is checked.
	 * @param server the server's name
	 * @return whether the probe checks it
	 */
	public boolean checks(String server) {
		return isEnabled() && this.checks.containsKey(server);
	}

	/**
	 * Return what the last check of a server found.
	 * @param server the server's name
	 * @return the result, or {@code null} before the first check ended
	 */
	public @Nullable McpLiveness liveness(String server) {
		return this.results.get(server);
	}

	/**
	 * Check a server now, outside the schedule.
	 * @param server the server's name
	 * @return the result
	 */
	public Mono<McpLiveness> checkNow(String server) {
		McpLivenessCheck check = this.checks.get(server);
		if (check == null) {
			return Mono.error(new IllegalArgumentException("No liveness check for MCP server '" + server + "'"));
		}
		return check(server, check);
	}

	private boolean isEnabled() {
		return !this.interval.isZero() && !this.interval.isNegative();
	}

	@Override
	public void start() {
		if (this.started) {
			return;
		}
		this.started = true;
		Disposable.Composite composite = Disposables.composite();
		if (isEnabled()) {
			this.checks.forEach((server,
					check) -> composite.add(Flux.interval(this.interval, this.interval)
						.onBackpressureDrop()
						.concatMap((tick) -> check(server, check), 1)
						.subscribe()));
		}
		this.running = composite;
	}

	private Mono<McpLiveness> check(String server, McpLivenessCheck check) {
		return Mono.defer(() -> {
			long started = System.nanoTime();
			return check.check()
				// A check may initialize the session, and creating one draws random
				// numbers: off Reactor's non-blocking threads.
				.subscribeOn(Schedulers.boundedElastic())
				.timeout(isEnabled() ? this.interval : Duration.ofSeconds(30))
				.then(Mono.fromSupplier(() -> record(server, started, null)))
				.onErrorResume((ex) -> Mono.just(record(server, started, ex)));
		});
	}

	private McpLiveness record(String server, long startedNanos, @Nullable Throwable failure) {
		Duration latency = Duration.ofNanos(System.nanoTime() - startedNanos);
		Instant now = Instant.now();
		McpLiveness previous = this.results.get(server);
		McpLiveness result;
		if (failure == null) {
			result = new McpLiveness(true, now, latency, null, 0, null);
			streak(server).recovered("MCP server '" + server + "' answers again");
		}
		else {
			String error = McpSessionLifecycle.describe(failure);
			McpLiveness down = (previous != null && !previous.answered()) ? previous : null;
			int failures = (down != null) ? down.failures() + 1 : 1;
			Instant since = (down != null) ? down.downSince() : null;
			Instant downSince = (since != null) ? since : now;
			result = new McpLiveness(false, now, latency, error, failures, downSince);
			// INFO for the first failed checks, then WARN now and then, saying since
			// when.
			streak(server).failed("MCP server '" + server + "' does not answer its liveness check: " + error);
		}
		this.results.put(server, result);
		return result;
	}

	private FailureStreak streak(String server) {
		return this.failures.computeIfAbsent(server,
				(key) -> new FailureStreak(logger, FailureStreak.QUIET_ATTEMPTS, Clock.systemDefaultZone()));
	}

	@Override
	public void stop() {
		this.started = false;
		this.running.dispose();
	}

	@Override
	public boolean isRunning() {
		return this.started;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
