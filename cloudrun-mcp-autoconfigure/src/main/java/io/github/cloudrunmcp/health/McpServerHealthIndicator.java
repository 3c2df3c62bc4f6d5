package io.github.cloudrunmcp.health;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import io.github.cloudrunmcp.protocol.McpLiveness;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.text.PrintableText;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of one MCP server, from what its connection (its {@link McpEventStream}, or
 * for a streamable-http server without one, its MCP session's transport) and its
 * {@link McpLivenessProbe liveness checks} tell.
 *
 * <p>
 * {@code UP} when the connection is open or the last liveness check was answered;
 * {@code UNKNOWN} before the first connection and while it reconnects after a connection
 * ended (as Cloud Run ends every request at its timeout); {@code DOWN} when the last
 * liveness check was not answered, when the connection failed, or when reconnecting has
 * failed at least once; {@code OUT_OF_SERVICE} when closed. Details give the state, the
 * URL, the MCP revision, the attempt, the last event ID, the counters and the last
 * liveness check.
 */
public final class McpServerHealthIndicator implements HealthIndicator {

	private final String server;

	private final URI url;

	private final AtomicReference<McpStreamStatus> status = new AtomicReference<>();

	private final @Nullable McpEventStream stream;

	private final @Nullable McpLivenessProbe probe;

	private final @Nullable McpOperations operations;

	/**
	 * Create the indicator of a server that has an event stream.
	 * @param stream the server's stream
	 * @param probe the liveness probe, or {@code null}
	 */
	public McpServerHealthIndicator(McpEventStream stream, @Nullable McpLivenessProbe probe) {
		this(stream, probe, null);
	}

	/**
	 * Create the indicator of an MCP server that has an event stream, whose details
	 * include the revision spoken with it.
	 * @param stream the server's stream
	 * @param probe the liveness probe, or {@code null}
	 * @param operations the server's operations, which know its revision, or {@code null}
	 */
	public McpServerHealthIndicator(McpEventStream stream, @Nullable McpLivenessProbe probe,
			@Nullable McpOperations operations) {
		this.stream = Objects.requireNonNull(stream, "stream");
		this.server = stream.server();
		this.url = stream.url();
		this.probe = probe;
		this.operations = operations;
	}

	/**
	 * Create the indicator of a server that has no event stream: its connection's status
	 * comes from the source that would feed one, such as its MCP session's transport.
	 * @param server the server's name
	 * @param url the server's URL
	 * @param source the source of its connection's statuses
	 * @param probe the liveness probe, or {@code null}
	 */
	public McpServerHealthIndicator(String server, URI url, McpEventSource source, @Nullable McpLivenessProbe probe) {
		this(server, url, source, probe, null);
	}

	/**
	 * Create the indicator of an MCP server that has no event stream, whose details
	 * include the revision spoken with it.
	 * @param server the server's name
	 * @param url the server's URL
	 * @param source the source of its connection's statuses
	 * @param probe the liveness probe, or {@code null}
	 * @param operations the server's operations, which know its revision, or {@code null}
	 */
	public McpServerHealthIndicator(String server, URI url, McpEventSource source, @Nullable McpLivenessProbe probe,
			@Nullable McpOperations operations) {
		this.operations = operations;
		this.server = Objects.requireNonNull(server, "server");
		this.url = Objects.requireNonNull(url, "url");
		this.stream = null;
		this.probe = probe;
		// The source replays its latest status: the reference holds the current one
		// from here on.
		source.statusChanges().subscribe(this.status::set);
	}

	@Override
	public Health health() {
		McpEventStream stream = this.stream;
		McpStreamStatus status = (stream != null) ? stream.status() : this.status.get();
		McpLiveness liveness = (this.probe != null) ? this.probe.liveness(this.server) : null;
		Status health = (status != null) ? fromStatus(status) : Status.UNKNOWN;
		if (liveness != null && health != Status.OUT_OF_SERVICE) {
			if (!liveness.answered()) {
				health = Status.DOWN;
			}
			else if (health == Status.UNKNOWN) {
				health = Status.UP;
			}
		}
		Health.Builder builder = Health.status(health);
		builder.withDetail("url", this.url.toString());
		McpOperations operations = this.operations;
		if (operations != null) {
			// Under auto, nothing is known until the server answered the negotiation.
			builder.withDetail("revision", operations.revision().map(McpRevision::version).orElse("negotiating"));
		}
		if (status != null) {
			details(builder, status);
		}
		if (stream != null) {
			if (!stream.lastEventId().isEmpty()) {
				builder.withDetail("lastEventId", PrintableText.of(stream.lastEventId()));
			}
			McpEventStream.Stats stats = stream.stats();
			builder.withDetail("received", stats.received())
				.withDetail("delivered", stats.delivered())
				.withDetail("dropped", stats.dropped());
		}
		if (liveness != null) {
			builder.withDetail("liveness", liveness(liveness));
		}
		return builder.build();
	}

	private static Status fromStatus(McpStreamStatus status) {
		return switch (status.state()) {
			case OPEN -> Status.UP;
			case NEW, CONNECTING -> Status.UNKNOWN;
			case RECONNECTING -> (status.attempt() > 1) ? Status.DOWN : Status.UNKNOWN;
			case FAILED -> Status.DOWN;
			case CLOSED -> Status.OUT_OF_SERVICE;
		};
	}

	private static void details(Health.Builder builder, McpStreamStatus status) {
		builder.withDetail("state", status.state().name()).withDetail("since", status.since().toString());
		if (status.attempt() > 0) {
			builder.withDetail("attempt", status.attempt());
		}
		if (status.nextDelay() != null) {
			builder.withDetail("nextAttemptInMillis", status.nextDelay().toMillis());
		}
		Throwable cause = status.cause();
		if (cause != null) {
			// Messages may quote the server: escaped, as in the logs.
			builder.withDetail("error", cause.getClass().getSimpleName() + ": " + PrintableText.of(cause.getMessage()));
		}
	}

	private static Map<String, Object> liveness(McpLiveness liveness) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("answered", liveness.answered());
		details.put("checkedAt", liveness.checkedAt().toString());
		details.put("latencyMillis", liveness.latency().toMillis());
		if (liveness.error() != null) {
			details.put("error", PrintableText.of(liveness.error()));
		}
		if (liveness.downSince() != null) {
			details.put("downSince", liveness.downSince().toString());
			details.put("failedChecks", liveness.failures());
		}
		return details;
	}

}
