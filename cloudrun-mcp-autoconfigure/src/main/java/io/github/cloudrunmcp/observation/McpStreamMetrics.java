package io.github.cloudrunmcp.observation;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Metrics of the event streams, tagged with {@code mcp.server}: events received,
 * dispatched and dropped, listener errors, connection attempts and reconnects (counters),
 * events waiting between the network and the consumers, whether the stream is open, and
 * the time since the last event arrived (gauges).
 *
 * <p>
 * Everything is read from {@link McpEventStream#stats()} and
 * {@link McpEventStream#statusChanges()}; nothing is added to the event path. The time
 * since the last event is as precise as the scrape interval: it restarts when a scrape
 * sees the received count move.
 */
public final class McpStreamMetrics implements MeterBinder {

	private final List<McpEventStream> streams;

	/**
	 * Create the metrics of some streams.
	 * @param streams the streams
	 */
	public McpStreamMetrics(List<McpEventStream> streams) {
		this.streams = List.copyOf(Objects.requireNonNull(streams, "streams"));
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (McpEventStream stream : this.streams) {
			bind(registry, stream);
		}
	}

	private static void bind(MeterRegistry registry, McpEventStream stream) {
		Tags tags = Tags.of("mcp.server", stream.server());
		counter(registry, "mcp.stream.events.received", "Events read from the network", stream, tags,
				(s) -> s.stats().received());
		counter(registry, "mcp.stream.events.dispatched", "Events handed to listeners and subscribers", stream, tags,
				(s) -> s.stats().delivered());
		counter(registry, "mcp.stream.events.dropped", "Events dropped by the overflow policy", stream, tags,
				(s) -> s.stats().dropped());
		counter(registry, "mcp.stream.listener.errors", "Dispatcher calls that threw", stream, tags,
				(s) -> s.stats().listenerErrors());
		counter(registry, "mcp.stream.connections", "Connection attempts", stream, tags,
				(s) -> s.stats().connections());
		Gauge.builder("mcp.stream.buffer.used", stream, McpStreamMetrics::waiting)
			.description("Events read and not yet dispatched")
			.tags(tags)
			.register(registry);
		Gauge.builder("mcp.stream.open", stream, (s) -> (s.status().state() == McpStreamStatus.State.OPEN) ? 1 : 0)
			.description("Whether the stream is open (1) or not (0)")
			.tags(tags)
			.register(registry);
		LastEvent lastEvent = new LastEvent(stream);
		TimeGauge.builder("mcp.stream.last.event.age", lastEvent, TimeUnit.MILLISECONDS, LastEvent::ageMillis)
			.description("Time since the last event arrived (or since the stream was bound, before the first)")
			.tags(tags)
			.register(registry);
		Counter reconnects = Counter.builder("mcp.stream.reconnects")
			.description("Times the stream's connection ended and a new one was scheduled")
			.tags(tags)
			.register(registry);
		stream.statusChanges()
			.filter((status) -> status.state() == McpStreamStatus.State.RECONNECTING)
			.subscribe((status) -> reconnects.increment());
	}

	private static void counter(MeterRegistry registry, String name, String description, McpEventStream stream,
			Tags tags, ToDoubleFunction<McpEventStream> count) {
		FunctionCounter.builder(name, stream, count).description(description).tags(tags).register(registry);
	}

	private static double waiting(McpEventStream stream) {
		McpEventStream.Stats stats = stream.stats();
		return Math.max(0, stats.received() - stats.delivered() - stats.dropped());
	}

	/**
	 * Notes when a scrape sees the received count move.
	 */
	private static final class LastEvent {

		private final McpEventStream stream;

		private final AtomicLong seen = new AtomicLong(-1);

		private final AtomicLong seenAtMillis = new AtomicLong(System.currentTimeMillis());

		LastEvent(McpEventStream stream) {
			this.stream = stream;
		}

		double ageMillis() {
			long received = this.stream.stats().received();
			long now = System.currentTimeMillis();
			if (this.seen.getAndSet(received) != received && received > 0) {
				this.seenAtMillis.set(now);
			}
			return now - this.seenAtMillis.get();
		}

	}

}
