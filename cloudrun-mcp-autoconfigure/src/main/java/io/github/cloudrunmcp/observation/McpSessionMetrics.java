package io.github.cloudrunmcp.observation;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.cloudrunmcp.protocol.McpListenStream;
import io.github.cloudrunmcp.protocol.McpSessionRenewedEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;

/**
 * Counters of the times a server may have forgotten what the application set up or sent,
 * tagged with {@code mcp.server}: session renewals ({@code mcp.session.renewals}, from
 * {@link McpSessionRenewedEvent}) and resyncs of 2026-07-28 listen streams
 * ({@code mcp.stream.resyncs}, reopens after which notifications may have been missed).
 */
public final class McpSessionMetrics
		implements MeterBinder, ApplicationListener<PayloadApplicationEvent<McpSessionRenewedEvent>> {

	private final List<McpListenStream> listenStreams;

	private final Map<String, Counter> renewals = new ConcurrentHashMap<>();

	private volatile @Nullable MeterRegistry registry;

	/**
	 * Create the metrics.
	 * @param listenStreams the listen streams whose resyncs are counted
	 */
	public McpSessionMetrics(List<McpListenStream> listenStreams) {
		this.listenStreams = List.copyOf(Objects.requireNonNull(listenStreams, "listenStreams"));
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
		for (McpListenStream stream : this.listenStreams) {
			FunctionCounter.builder("mcp.stream.resyncs", stream, McpListenStream::resyncs)
				.description("Reopens of the listen stream after which notifications may have been missed")
				.tag("mcp.server", stream.server())
				.register(registry);
		}
	}

	@Override
	public void onApplicationEvent(PayloadApplicationEvent<McpSessionRenewedEvent> published) {
		McpSessionRenewedEvent event = published.getPayload();
		MeterRegistry target = this.registry;
		if (target == null) {
			return;
		}
		this.renewals
			.computeIfAbsent(event.server(),
					(server) -> Counter.builder("mcp.session.renewals")
						.description("Times the server's MCP session was replaced by a new one")
						.tag("mcp.server", server)
						.register(target))
			.increment();
	}

}
