package io.github.cloudrunmcp.sample;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * A reactive consumer of the stream (the {@code Flux} example): it counts events by type
 * and feeds the page. Browsers get a best-effort copy, so a slow browser never slows the
 * stream.
 */
@Component
class EventFeed implements DisposableBean {

	private final McpEventStream stream;

	private final Sinks.Many<McpEvent> browsers = Sinks.many().multicast().directBestEffort();

	private final EventTypeCounts counts = new EventTypeCounts();

	private final Disposable subscription;

	EventFeed(McpEventStream stream) {
		this.stream = stream;
		this.subscription = stream.events()
			.limitRate(64) // this subscriber's demand is part of the stream's
							// back-pressure
			.subscribe((event) -> {
				this.counts.count(event.type());
				this.browsers.tryEmitNext(event);
			});
	}

	Flux<McpEvent> events() {
		return this.browsers.asFlux();
	}

	Flux<McpStreamStatus> statuses() {
		return this.stream.statusChanges().sample(Duration.ofMillis(100));
	}

	Map<String, Object> snapshot() {
		McpEventStream.Stats stats = this.stream.stats();
		Map<String, Long> byType = this.counts.snapshot();
		McpStreamStatus status = this.stream.status();
		return Map.of("server", this.stream.server(), "url", this.stream.url().toString(), "status", status.toString(),
				"state", status.state().name(), "since", since(status), "received", stats.received(), "delivered",
				stats.delivered(), "dropped", stats.dropped(), "connections", stats.connections(), "byType", byType);
	}

	/**
	 * Return when a status began, in microseconds since the epoch: the page orders the
	 * statuses it is pushed and those it polls by it.
	 */
	static long since(McpStreamStatus status) {
		return ChronoUnit.MICROS.between(Instant.EPOCH, status.since());
	}

	@Override
	public void destroy() {
		this.subscription.dispose();
	}

}
