package io.github.cloudrunmcp.stream;

import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Where the events of an {@link McpEventStream} come from: a plain event-stream endpoint
 * ({@link HttpEventSource}), or the notifications and requests of an MCP session.
 *
 * <p>
 * The stream subscribes to both fluxes when it starts and cancels them when it stops,
 * reports the source's statuses as its own, and delivers the events through its buffer,
 * overflow policy and dispatch. A source that reads a connection itself, as
 * {@link HttpEventSource} does, opens it on subscription and closes it on cancel.
 */
public interface McpEventSource {

	/**
	 * Return the source's events in arrival order, with back-pressure.
	 * @return the events
	 */
	Flux<McpEvent> events();

	/**
	 * Return the source's events in arrival order, with back-pressure, in lists that
	 * arrived together (the events of one network buffer), so that the stream hands a
	 * whole list to its dispatch thread at once. By default, each event in a list of its
	 * own.
	 * @return the events, in non-empty lists
	 */
	default Flux<List<McpEvent>> batches() {
		return events().map(List::of);
	}

	/**
	 * Return whether {@link #batches()} gives the events of one network read per list,
	 * read only as the lists are requested, so that a stream whose overflow policy is
	 * {@code block} takes them a list at a time: one hand-off to its dispatch thread per
	 * read, with back-pressure still reaching the socket. By default {@code false}: the
	 * stream takes {@link #events()} one at a time.
	 * @return whether the stream should read the lists of {@link #batches()}
	 */
	default boolean batchesByRead() {
		return false;
	}

	/**
	 * Return the status changes of the source's connection, starting with the current
	 * status.
	 * @return the statuses
	 */
	Flux<McpStreamStatus> statusChanges();

	/**
	 * Return how many connections the source attempted, for the stream's
	 * {@link McpEventStream.Stats}.
	 * @return the count, 0 when the source does not count them
	 */
	default long connections() {
		return 0;
	}

	/**
	 * Return the ID the source resumes from when it reconnects, for the stream's
	 * {@link McpEventStream#lastEventId()}.
	 * @return the ID, or {@code null} when the source does not resume by ID itself
	 */
	default @Nullable String lastEventId() {
		return null;
	}

	/**
	 * Called when the stream's overflow policy dropped one of the source's events, so
	 * that a source whose events must be settled (acknowledged or handed back) can hand
	 * it back. Does nothing by default.
	 * @param event the dropped event
	 */
	default void dropped(McpEvent event) {
	}

}
