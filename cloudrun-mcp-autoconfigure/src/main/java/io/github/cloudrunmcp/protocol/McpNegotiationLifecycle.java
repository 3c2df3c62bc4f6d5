package io.github.cloudrunmcp.protocol;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.stream.FailureStreak;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;

/**
 * Negotiates the revision of every {@code auto} server when the application starts, and
 * checks that every 2026-07-28 server with {@code fail-fast} answers
 * {@code server/discover}.
 *
 * <p>
 * A server whose {@code fail-fast} is set must answer within the initialize timeout or
 * start-up fails. Any other {@code auto} server is negotiated in the background, retried
 * with backoff until it answers, while the application runs. With {@code lazy} set,
 * nothing is sent at start-up: the first call negotiates. At stop, a server that
 * negotiated 2025-11-25 has its session ended with {@code DELETE}.
 */
public final class McpNegotiationLifecycle implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(McpNegotiationLifecycle.class);

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private final List<McpNegotiatingSession> negotiating;

	private final List<McpStatelessSession> stateless;

	private final McpClientSettings settings;

	private final Duration retryDelay;

	private final Duration maxRetryDelay;

	private volatile Disposable.Composite background = Disposables.composite();

	private volatile boolean running;

	/**
	 * Create the lifecycle.
	 * @param negotiating the sessions of {@code auto} servers
	 * @param stateless the sessions of 2026-07-28 servers
	 * @param settings the client settings
	 * @param retryDelay the first delay before a background negotiation is retried
	 * @param maxRetryDelay the longest delay between retries
	 */
	public McpNegotiationLifecycle(List<McpNegotiatingSession> negotiating, List<McpStatelessSession> stateless,
			McpClientSettings settings, Duration retryDelay, Duration maxRetryDelay) {
		this.negotiating = List.copyOf(negotiating);
		this.stateless = List.copyOf(stateless);
		this.settings = Objects.requireNonNull(settings, "settings");
		this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
		this.maxRetryDelay = Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.background = Disposables.composite();
		if (this.settings.lazy()) {
			return;
		}
		List<Mono<Throwable>> checks = new ArrayList<>();
		for (McpNegotiatingSession session : this.negotiating) {
			if (session.server().failFast()) {
				checks.add(check(session.server(), session.negotiate().then()));
			}
			else {
				this.background.add(negotiateInBackground(session));
			}
		}
		for (McpStatelessSession session : this.stateless) {
			if (session.server().failFast()) {
				checks.add(check(session.server(), session.async().discover().then()));
			}
		}
		List<Throwable> failures = Flux.merge(checks).collectList().block();
		if (failures != null && !failures.isEmpty()) {
			failures.stream().skip(1).forEach((other) -> logger.error(other.getMessage()));
			// Start-up fails: nothing keeps running behind it.
			stop();
			throw (McpInitializationException) failures.get(0);
		}
	}

	private Mono<Throwable> check(McpServer server, Mono<Void> check) {
		return check.timeout(this.settings.initializeTimeout().multipliedBy(2).plusSeconds(1))
			.then(Mono.<Throwable>empty())
			.onErrorResume((ex) -> Mono.just(new McpInitializationException(server.name(), "MCP server '"
					+ server.name() + "' at " + server.mcpUrl() + " (revision " + server.revision()
					+ ") failed at start-up: " + McpSessionLifecycle.describe(ex)
					+ ". Check that it is running and that its base-url and mcp-path are right, or unset fail-fast so "
					+ "that the application starts and connects when the server is up.", ex)));
	}

	private Disposable negotiateInBackground(McpNegotiatingSession session) {
		String server = session.server().name();
		FailureStreak failures = new FailureStreak(logger, FailureStreak.QUIET_ATTEMPTS, Clock.systemDefaultZone());
		return session.negotiate()
			.subscribeOn(Schedulers.boundedElastic())
			.retryWhen(Retry.backoff(Long.MAX_VALUE, this.retryDelay)
				.maxBackoff(this.maxRetryDelay)
				.scheduler(Schedulers.boundedElastic())
				.doBeforeRetry((signal) -> failures.failed("MCP server '" + server + "' at " + session.server().mcpUrl()
						+ " could not be negotiated with: " + McpSessionLifecycle.describe(signal.failure()))))
			.subscribe((negotiated) -> failures.recovered("MCP server '" + server + "' negotiated"), (ex) -> logger
				.error("MCP server '" + server + "' could not be negotiated: " + McpSessionLifecycle.describe(ex), ex));
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.background.dispose();
		Flux.fromIterable(this.negotiating)
			.filter((session) -> session.revision() == McpRevision.V2025_11_25)
			.flatMap((session) -> session.session()
				.async()
				.closeGracefully()
				.timeout(CLOSE_TIMEOUT)
				.onErrorResume((ex) -> Mono.fromRunnable(session.session().async()::close)))
			.then()
			.block(CLOSE_TIMEOUT.plusSeconds(1));
	}

	@Override
	public int getPhase() {
		return McpSessionLifecycle.PHASE;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}
