package io.github.cloudrunmcp.protocol;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.github.cloudrunmcp.stream.FailureStreak;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.spec.McpSchema;
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
 * Initializes the MCP sessions when the application starts and ends them when it stops.
 *
 * <p>
 * A server whose {@code fail-fast} is set must initialize within the initialize timeout
 * or start-up fails. Any other server is initialized in the background, retried with
 * backoff until it answers, while the application runs; its event stream's status tells
 * how it goes. With {@code lazy} set, sessions initialize on first use instead. At stop,
 * each session is ended with {@code DELETE}.
 */
public final class McpSessionLifecycle implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(McpSessionLifecycle.class);

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private static final int INSTRUCTIONS_MAX_LENGTH = 16 * 1024;

	/** Failed initializations logged at INFO before the log says since when at WARN. */
	private static final int QUIET_ATTEMPTS = 3;

	private final List<McpSession> sessions;

	private final McpClientSettings settings;

	private final Duration retryDelay;

	private final Duration maxRetryDelay;

	private volatile Disposable.Composite background = Disposables.composite();

	private volatile boolean running;

	/**
	 * Lifecycle phase of the sessions: after Spring Boot's graceful shutdown of the web
	 * server, so that requests in flight can still call MCP servers, and before the event
	 * streams that carry the sessions' notifications.
	 */
	public static final int PHASE = McpEventStream.PHASE + 1;

	/**
	 * Create the lifecycle of some sessions.
	 * @param sessions the sessions
	 * @param settings the client settings
	 * @param retryDelay the first delay before a background initialization is retried
	 * @param maxRetryDelay the longest delay between retries
	 */
	public McpSessionLifecycle(List<McpSession> sessions, McpClientSettings settings, Duration retryDelay,
			Duration maxRetryDelay) {
		this.sessions = List.copyOf(sessions);
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
		List<McpSession> failFast = new ArrayList<>();
		for (McpSession session : this.sessions) {
			if (session.server().failFast()) {
				failFast.add(session);
			}
			else {
				this.background.add(initializeInBackground(session));
			}
		}
		try {
			initializeNow(failFast);
		}
		catch (RuntimeException ex) {
			// Start-up fails: nothing keeps running behind it.
			stop();
			throw ex;
		}
	}

	private void initializeNow(List<McpSession> sessions) {
		List<Throwable> failures = Flux.fromIterable(sessions)
			.flatMap((session) -> session.async()
				.initialize()
				.timeout(this.settings.initializeTimeout().plusSeconds(1))
				.doOnNext((result) -> initialized(session, result))
				.then(Mono.<Throwable>empty())
				.onErrorResume((ex) -> Mono.just(failure(session, ex))))
			.collectList()
			.block();
		if (failures != null && !failures.isEmpty()) {
			failures.stream().skip(1).forEach((other) -> logger.error(other.getMessage()));
			throw (McpInitializationException) failures.get(0);
		}
	}

	private McpInitializationException failure(McpSession session, Throwable ex) {
		String server = session.server().name();
		return new McpInitializationException(server, "MCP server '" + server + "' at " + session.transport().endpoint()
				+ " could not be initialized: " + describe(ex)
				+ ". Check that it is running and that its base-url and mcp-path are right, or unset fail-fast so "
				+ "that the application starts and connects when the server is up.", ex);
	}

	private Disposable initializeInBackground(McpSession session) {
		String server = session.server().name();
		FailureStreak failures = new FailureStreak(logger, QUIET_ATTEMPTS, Clock.systemDefaultZone());
		return session.async()
			.initialize()
			// Off Reactor's non-blocking threads: creating a session draws random
			// numbers.
			.subscribeOn(Schedulers.boundedElastic())
			.retryWhen(Retry.backoff(Long.MAX_VALUE, this.retryDelay)
				.maxBackoff(this.maxRetryDelay)
				.scheduler(Schedulers.boundedElastic())
				.doBeforeRetry((signal) -> {
					session.transport().initializationFailed(signal.failure(), signal.totalRetries() + 1);
					failures.failed("MCP server '" + server + "' at " + session.transport().endpoint()
							+ " could not be initialized: " + describe(signal.failure()));
				}))
			.subscribe((result) -> {
				failures.recovered("MCP server '" + server + "' initialized");
				initialized(session, result);
			}, (ex) -> logger.error("MCP server '" + server + "' could not be initialized: " + describe(ex), ex));
	}

	private static void initialized(McpSession session, McpSchema.InitializeResult result) {
		if (logger.isInfoEnabled()) {
			logger.info("MCP server '" + session.server().name() + "' initialized: "
					+ PrintableText.of(result.serverInfo().name()) + " "
					+ PrintableText.of(result.serverInfo().version()) + ", protocol "
					+ PrintableText.of(result.protocolVersion()));
		}
		// The SDK's own INFO line with them is lowered to WARN by default
		// (McpLoggingEnvironmentPostProcessor): they are for whoever debugs the server.
		String instructions = result.instructions();
		if (instructions != null && logger.isDebugEnabled()) {
			logger.debug("MCP server '" + session.server().name() + "' instructions: "
					+ PrintableText.of(instructions, INSTRUCTIONS_MAX_LENGTH));
		}
	}

	/**
	 * Describe a failure by its chain of causes, skipping the SDK's generic wrappers.
	 */
	static String describe(Throwable ex) {
		StringBuilder description = new StringBuilder();
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			// Messages may carry server text (a JSON-RPC error, a body): escaped.
			String message = (cause instanceof java.util.concurrent.TimeoutException) ? "no answer in time"
					: (cause.getMessage() != null) ? PrintableText.of(cause.getMessage()) : null;
			if (message == null || message.startsWith("Client failed to initialize")) {
				continue;
			}
			if (description.indexOf(message) >= 0) {
				continue;
			}
			if (!description.isEmpty()) {
				description.append(": ");
			}
			description.append(message);
		}
		return description.isEmpty() ? ex.getClass().getSimpleName() : description.toString();
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.background.dispose();
		Flux.fromIterable(this.sessions)
			.flatMap((session) -> session.async()
				.closeGracefully()
				.timeout(CLOSE_TIMEOUT)
				.onErrorResume((ex) -> Mono.fromRunnable(session.async()::close)))
			.then()
			.block(CLOSE_TIMEOUT.plusSeconds(1));
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}
