package io.github.cloudrunmcp.protocol;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.text.PrintableText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.ObjectMapper;

/**
 * The notifications a 2026-07-28 server sends in the answers to requests
 * ({@code notifications/progress}, {@code notifications/message}, ...), handed over by
 * {@link StatelessStreamableHttpTransport} and published by the server's
 * {@link McpListenStream} among its own events, so that they reach the server's event
 * stream and listeners as the 2025-11-25 session's do.
 *
 * <p>
 * Only while the listen stream's events are subscribed to (its event stream is running):
 * a notification that arrives while nobody listens is not kept. Notifications of one
 * answer stay in order. When the event stream does not keep up and its overflow policy is
 * {@code block}, at most {@code stream.buffer} notifications wait here; any beyond are
 * dropped, counted ({@link #dropped()}) and logged (at the 1st, 2nd, 4th, 8th, ... drop),
 * since an answer cannot wait for listeners without holding up the call. With the other
 * policies the event stream's own buffer and drop counters apply.
 */
public final class McpAnswerNotifications {

	private static final Log logger = LogFactory.getLog(McpAnswerNotifications.class);

	private final String server;

	private final ObjectMapper mapper;

	private final int buffer;

	// Emissions from parallel answers are serialized below.
	private final Sinks.Many<McpEvent> sink = Sinks.unsafe().many().multicast().directBestEffort();

	private final AtomicLong dropped = new AtomicLong();

	/**
	 * Create the notifications of a server.
	 * @param server the server's name
	 * @param buffer how many notifications wait for a slow event stream
	 * @param mapper the mapper for the events' JSON access
	 */
	public McpAnswerNotifications(String server, int buffer, ObjectMapper mapper) {
		this.server = Objects.requireNonNull(server, "server");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.buffer = buffer;
	}

	/**
	 * Publish a JSON-RPC notification that arrived in an answer.
	 * @param message the whole JSON-RPC message
	 */
	public void received(String message) {
		if (this.sink.currentSubscriberCount() == 0) {
			return;
		}
		McpEvent event = McpEvent.ofJsonRpc(this.server, null, message, this.mapper);
		synchronized (this.sink) {
			this.sink.tryEmitNext(event);
		}
	}

	/**
	 * Return the notifications, from subscription on.
	 * @return the notifications
	 */
	public Flux<McpEvent> events() {
		return this.sink.asFlux().onBackpressureBuffer(this.buffer, this::drop, BufferOverflowStrategy.DROP_LATEST);
	}

	private void drop(McpEvent event) {
		long count = this.dropped.incrementAndGet();
		if (Long.bitCount(count) != 1) {
			// Logged at the 1st, 2nd, 4th, 8th, ... drop.
			return;
		}
		logger.warn("MCP server '" + this.server + "' sent " + PrintableText.of(event.type())
				+ " in an answer while its event stream was " + this.buffer + " events behind; dropped (" + count
				+ " so far).");
	}

	/**
	 * Return how many notifications were dropped because the event stream fell behind.
	 * @return the count
	 */
	public long dropped() {
		return this.dropped.get();
	}

}
