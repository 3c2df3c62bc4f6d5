package io.github.cloudrunmcp.protocol;

import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.stream.McpEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The events of an MCP session waiting for the session's event stream, bounded both by
 * count and by the bytes of their data, so that large events cannot pile up gigabytes
 * behind a slow listener. What does not fit is dropped and counted.
 *
 * <p>
 * Offers come from network threads and never block; the event stream (one subscriber)
 * takes them on its own thread.
 */
final class EventBacklog {

	private final int maxEvents;

	private final long maxBytes;

	private final Sinks.Many<McpEvent> sink;

	private final AtomicLong queuedBytes = new AtomicLong();

	private final AtomicLong dropped = new AtomicLong();

	private final Flux<McpEvent> flux;

	/**
	 * Create a backlog.
	 * @param maxEvents the most events that may wait
	 * @param maxBytes the most bytes of data (counted as characters) that may wait
	 */
	EventBacklog(int maxEvents, long maxBytes) {
		if (maxEvents < 1 || maxBytes < 1) {
			throw new IllegalArgumentException("maxEvents and maxBytes must be positive");
		}
		this.maxEvents = maxEvents;
		this.maxBytes = maxBytes;
		this.sink = Sinks.many().multicast().onBackpressureBuffer(maxEvents, false);
		this.flux = this.sink.asFlux()
			.doOnNext((event) -> this.queuedBytes.updateAndGet((bytes) -> Math.max(0, bytes - weight(event))));
	}

	/**
	 * Return the events, in the order offered.
	 * @return the events
	 */
	Flux<McpEvent> events() {
		return this.flux;
	}

	/**
	 * Return whether anyone reads the events.
	 * @return whether there is a subscriber
	 */
	boolean hasSubscribers() {
		return this.sink.currentSubscriberCount() > 0;
	}

	/**
	 * Offer an event.
	 * @param event the event
	 * @return whether it was queued; when not, it was dropped and counted
	 */
	boolean offer(McpEvent event) {
		long weight = weight(event);
		long after = this.queuedBytes.addAndGet(weight);
		if (after > this.maxBytes && after != weight) {
			// One event alone always fits, else a single large event would never pass.
			this.queuedBytes.addAndGet(-weight);
			this.dropped.incrementAndGet();
			return false;
		}
		Sinks.EmitResult result;
		synchronized (this.sink) {
			result = this.sink.tryEmitNext(event);
		}
		if (result.isFailure()) {
			this.queuedBytes.addAndGet(-weight);
			this.dropped.incrementAndGet();
			return false;
		}
		return true;
	}

	/**
	 * Return how many events were dropped.
	 * @return the count
	 */
	long dropped() {
		return this.dropped.get();
	}

	/**
	 * Return the bytes of the events waiting.
	 * @return the bytes
	 */
	long queuedBytes() {
		return this.queuedBytes.get();
	}

	/**
	 * Describe the bounds, for messages.
	 * @return the bounds
	 */
	String bounds() {
		return this.maxEvents + " events or " + this.maxBytes + " bytes";
	}

	private static long weight(McpEvent event) {
		return event.data().length();
	}

}
