package io.github.cloudrunmcp.health;

import java.util.Objects;

import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one MCP server as its {@link McpEventStream} sees it (for a
 * streamable-http server, its MCP session): {@code UP} when open; {@code UNKNOWN} before
 * the first connection and while it reconnects after a connection ended (as Cloud Run
 * ends every request at its timeout); {@code DOWN} when it failed, or when reconnecting
 * has failed at least once; {@code OUT_OF_SERVICE} when closed. Details give the state,
 * the URL, the attempt, the last event ID and the counters.
 */
public final class McpStreamHealthIndicator implements HealthIndicator {

	private final McpEventStream stream;

	/**
	 * Create an indicator.
	 * @param stream the stream whose status it reports
	 */
	public McpStreamHealthIndicator(McpEventStream stream) {
		this.stream = Objects.requireNonNull(stream, "stream");
	}

	@Override
	public Health health() {
		McpStreamStatus status = this.stream.status();
		Health.Builder builder = switch (status.state()) {
			case OPEN -> Health.up();
			case NEW, CONNECTING -> Health.unknown();
			case RECONNECTING -> (status.attempt() > 1) ? Health.down() : Health.unknown();
			case FAILED -> Health.down();
			case CLOSED -> Health.outOfService();
		};
		builder.withDetail("state", status.state().name())
			.withDetail("url", this.stream.url().toString())
			.withDetail("since", status.since().toString());
		if (status.attempt() > 0) {
			builder.withDetail("attempt", status.attempt());
		}
		if (status.nextDelay() != null) {
			builder.withDetail("nextAttemptInMillis", status.nextDelay().toMillis());
		}
		Throwable cause = status.cause();
		if (cause != null) {
			builder.withDetail("error", cause.getClass().getSimpleName() + ": " + cause.getMessage());
		}
		if (!this.stream.lastEventId().isEmpty()) {
			builder.withDetail("lastEventId", this.stream.lastEventId());
		}
		McpEventStream.Stats stats = this.stream.stats();
		builder.withDetail("received", stats.received())
			.withDetail("delivered", stats.delivered())
			.withDetail("dropped", stats.dropped());
		return builder.build();
	}

}
