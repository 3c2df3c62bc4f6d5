package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * The notifications of a server whose revision is {@code auto}: once the negotiation
 * picked a revision, those of its 2025-11-25 session (the GET stream) or of its
 * 2026-07-28 {@code subscriptions/listen} stream, with the same event types. Until then,
 * the negotiation is retried with the reconnect backoff, its failures shown as the
 * source's status.
 */
public final class McpNegotiatedEventSource implements McpEventSource {

	private static final Log logger = LogFactory.getLog(McpNegotiatedEventSource.class);

	private final McpNegotiatingSession negotiating;

	private final StreamSettings.Reconnect reconnect;

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	/**
	 * Create the source.
	 * @param negotiating the server's negotiating session
	 * @param reconnect the backoff between negotiations
	 */
	public McpNegotiatedEventSource(McpNegotiatingSession negotiating, StreamSettings.Reconnect reconnect) {
		this.negotiating = Objects.requireNonNull(negotiating, "negotiating");
		this.reconnect = Objects.requireNonNull(reconnect, "reconnect");
		status(McpStreamStatus.State.NEW, 0, null, null);
	}

	@Override
	public Flux<McpEvent> events() {
		AtomicInteger failures = new AtomicInteger();
		return Mono.defer(() -> {
			status((failures.get() > 0) ? McpStreamStatus.State.RECONNECTING : McpStreamStatus.State.CONNECTING,
					failures.get(), null, null);
			return this.negotiating.negotiate();
		}).retryWhen(Retry.from((signals) -> signals.concatMap((signal) -> {
			int attempt = failures.incrementAndGet();
			Duration delay = this.reconnect.delay(attempt, null, null);
			logger.warn("Revision negotiation with MCP server '" + this.negotiating.server().name()
					+ "' failed (attempt " + attempt + "): " + McpSessionLifecycle.describe(signal.failure())
					+ "; retrying in " + delay.toMillis() + " ms.");
			status(McpStreamStatus.State.RECONNECTING, attempt, delay, signal.failure());
			return Mono.delay(delay);
		}))).flatMapMany((revision) -> {
			McpEventSource chosen = chosen(revision);
			// From here the chosen source's statuses are this one's.
			Flux<McpStreamStatus> forwarded = chosen.statusChanges().doOnNext(this::emit);
			return chosen.events().mergeWith(forwarded.then(Mono.empty()));
		});
	}

	@Override
	public Flux<McpStreamStatus> statusChanges() {
		return this.statuses.asFlux();
	}

	@Override
	public @Nullable String lastEventId() {
		McpRevision revision = this.negotiating.revision();
		return (revision != null) ? chosen(revision).lastEventId() : null;
	}

	@Override
	public long connections() {
		McpRevision revision = this.negotiating.revision();
		return (revision != null) ? chosen(revision).connections() : 0;
	}

	private McpEventSource chosen(McpRevision revision) {
		return (revision == McpRevision.V2026_07_28) ? this.negotiating.stateless().listen()
				: this.negotiating.session().transport();
	}

	private void status(McpStreamStatus.State state, int attempt, @Nullable Duration delay, @Nullable Throwable cause) {
		emit(new McpStreamStatus(state, attempt, delay, cause, Instant.now()));
	}

	private void emit(McpStreamStatus status) {
		// One at a time: the sink refuses an emission that overlaps another, and a
		// refused status would leave an older one as the latest.
		synchronized (this.statuses) {
			this.statuses.tryEmitNext(status);
		}
	}

}
