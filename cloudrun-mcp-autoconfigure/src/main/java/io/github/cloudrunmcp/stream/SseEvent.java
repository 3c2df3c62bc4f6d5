package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One event read by a {@link ReconnectingEventStream}, as the Server-Sent-Events parser
 * dispatched it.
 *
 * <p>
 * An event read from the network keeps its data as the UTF-8 bytes that arrived and
 * decodes them only when {@link #data()} is first called: a consumer that reads the JSON
 * hands the bytes to the parser and never needs the text.
 */
public final class SseEvent {

	private final @Nullable String id;

	private final boolean ownId;

	private final String type;

	private final byte @Nullable [] utf8;

	private @Nullable String data;

	/**
	 * The data's JSON tree when it was parsed ahead, on the network thread; the hand-off
	 * to the consumers' thread publishes it.
	 */
	private @Nullable JsonNode json;

	/**
	 * Create an event.
	 * @param id the last event ID at dispatch (the event's own or an earlier one), or
	 * {@code null} when none was set
	 * @param ownId whether the event's block set the ID with an {@code id} field, rather
	 * than inheriting the previous one
	 * @param type the event type, {@code message} by default
	 * @param data the event's data lines joined with LF
	 */
	public SseEvent(@Nullable String id, boolean ownId, String type, String data) {
		this.id = id;
		this.ownId = ownId;
		this.type = Objects.requireNonNull(type, "type");
		this.data = Objects.requireNonNull(data, "data");
		this.utf8 = null;
	}

	/**
	 * Create an event whose data stays bytes until it is read as text.
	 * @param id the last event ID at dispatch, or {@code null}
	 * @param ownId whether the block set the ID itself
	 * @param type the event type
	 * @param utf8 the data lines joined with LF as they arrived (UTF-8, possibly
	 * invalid); the event takes the array over, so it must not be changed afterwards
	 * @return the event
	 */
	public static SseEvent ofUtf8(@Nullable String id, boolean ownId, String type, byte[] utf8) {
		return new SseEvent(id, ownId, type, utf8);
	}

	private SseEvent(@Nullable String id, boolean ownId, String type, byte[] utf8) {
		this.id = id;
		this.ownId = ownId;
		this.type = Objects.requireNonNull(type, "type");
		this.utf8 = Objects.requireNonNull(utf8, "utf8");
	}

	/**
	 * Return the last event ID at dispatch.
	 * @return the event's own ID or an earlier one, or {@code null} when none was set
	 */
	public @Nullable String id() {
		return this.id;
	}

	/**
	 * Return whether the event's block set the ID with an {@code id} field, rather than
	 * inheriting the previous one.
	 * @return whether the event has an ID of its own
	 */
	public boolean ownId() {
		return this.ownId;
	}

	/**
	 * Return the event type.
	 * @return the type, {@code message} by default
	 */
	public String type() {
		return this.type;
	}

	/**
	 * Return the event's data, decoded on first call (invalid UTF-8 becomes U+FFFD).
	 * @return the data lines joined with LF
	 */
	public String data() {
		String text = this.data;
		if (text == null) {
			// A race decodes twice at worst: a String is safe to share without a lock.
			text = new String(Objects.requireNonNull(this.utf8), StandardCharsets.UTF_8);
			this.data = text;
		}
		return text;
	}

	/**
	 * Return the data as it arrived, when the event was read from the network.
	 * @return the UTF-8 bytes (not to be modified), or {@code null} for an event made
	 * from text
	 */
	byte @Nullable [] utf8() {
		return this.utf8;
	}

	/**
	 * Return the JSON tree parsed ahead of the consumers.
	 * @return the tree, or {@code null} when none was parsed
	 */
	@Nullable JsonNode json() {
		return this.json;
	}

	/**
	 * Keep the JSON tree parsed ahead of the consumers.
	 * @param json the tree
	 */
	void json(JsonNode json) {
		this.json = json;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (this == other) || (other instanceof SseEvent that && this.ownId == that.ownId
				&& Objects.equals(this.id, that.id) && this.type.equals(that.type) && data().equals(that.data()));
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.id, this.ownId, this.type, data());
	}

	@Override
	public String toString() {
		return "SseEvent[id=" + this.id + ", ownId=" + this.ownId + ", type=" + this.type + ", data=" + data() + "]";
	}

}
