package io.github.cloudrunmcp.stream;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One event read by a {@link ReconnectingEventStream}, as the Server-Sent-Events parser
 * dispatched it.
 *
 * @param id the last event ID at dispatch (the event's own or an earlier one), or
 * {@code null} when none was set
 * @param ownId whether the event's block set the ID with an {@code id} field, rather than
 * inheriting the previous one
 * @param type the event type, {@code message} by default
 * @param data the event's data lines joined with LF
 */
public record SseEvent(@Nullable String id, boolean ownId, String type, String data) {

	/**
	 * Create an event.
	 * @param id the last event ID at dispatch, or {@code null}
	 * @param ownId whether the block set the ID itself
	 * @param type the event type
	 * @param data the data
	 */
	public SseEvent {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(data, "data");
	}

}
