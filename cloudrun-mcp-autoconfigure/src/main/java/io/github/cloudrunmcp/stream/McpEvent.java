package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

import io.github.cloudrunmcp.text.PrintableText;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.context.ApplicationEvent;

/**
 * One event from an MCP server, published to the application context as an
 * {@link ApplicationEvent} and handed to {@code events()} subscribers.
 *
 * <p>
 * Its {@linkplain #type() type} is the SSE {@code event:} field; where that is absent or
 * {@code message} and the data is a JSON object with a string {@code event} member, that
 * member; else its {@code method} member (MCP JSON-RPC notifications); else
 * {@code message}. The JSON payload is parsed lazily, once, on first access.
 */
public class McpEvent extends ApplicationEvent {

	private static final long serialVersionUID = 1L;

	/** Type of events without an SSE event field or JSON type member. */
	public static final String DEFAULT_TYPE = "message";

	private final String server;

	private final @Nullable String id;

	private final String sseType;

	private @Nullable String data;

	/**
	 * The data as the network delivered it (UTF-8, possibly invalid), or {@code null} for
	 * an event made from text.
	 */
	private final byte @Nullable [] utf8;

	private final transient ObjectMapper mapper;

	private final transient @Nullable JsonPrefetch prefetch;

	private final boolean jsonRpc;

	/** The event's number from its source, for {@link JsonPrefetch}; 0 when none. */
	private final transient long sequence;

	private transient @Nullable String type;

	private transient @Nullable JsonNode json;

	/**
	 * Create an event.
	 * @param server the name of the server it came from
	 * @param id the SSE id (last event ID), or {@code null}
	 * @param sseType the SSE event type ({@code message} when the field was absent)
	 * @param data the SSE data
	 * @param mapper the mapper for JSON access
	 */
	public McpEvent(String server, @Nullable String id, String sseType, String data, ObjectMapper mapper) {
		this(server, id, sseType, data, mapper, false);
	}

	private McpEvent(String server, @Nullable String id, String sseType, String data, ObjectMapper mapper,
			boolean jsonRpc) {
		super(server);
		this.server = Objects.requireNonNull(server, "server");
		this.id = id;
		this.sseType = Objects.requireNonNull(sseType, "sseType");
		this.data = Objects.requireNonNull(data, "data");
		this.utf8 = null;
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.prefetch = null;
		this.jsonRpc = jsonRpc;
		this.sequence = 0;
	}

	/**
	 * Create the event for an SSE event; an event read from the network keeps its data as
	 * bytes until it is read as text, and JSON access parses the bytes.
	 * @param server the server's name
	 * @param event the SSE event
	 * @param mapper the mapper for JSON access
	 */
	public McpEvent(String server, SseEvent event, ObjectMapper mapper) {
		this(server, event, mapper, null);
	}

	/**
	 * Create the event for an event read from the network, keeping its data as bytes
	 * until it is read as text.
	 * @param server the server's name
	 * @param event the SSE event
	 * @param mapper the mapper for JSON access
	 * @param prefetch numbers the event and is told of every {@link #json()} call, or
	 * {@code null}
	 */
	McpEvent(String server, SseEvent event, ObjectMapper mapper, @Nullable JsonPrefetch prefetch) {
		super(server);
		this.server = Objects.requireNonNull(server, "server");
		this.id = event.id();
		this.sseType = event.type();
		this.utf8 = event.utf8();
		this.data = (this.utf8 != null) ? null : event.data();
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.prefetch = prefetch;
		this.jsonRpc = false;
		this.json = event.json();
		this.sequence = (prefetch != null) ? prefetch.made() : 0;
	}

	/**
	 * Create the event for a JSON-RPC notification or request that an MCP server sent.
	 * Its type is the message's {@code method}, its data the whole message, and
	 * {@link #as(Class)} maps the message's {@code params}.
	 * @param server the server's name
	 * @param id the SSE id the message arrived with, or {@code null}
	 * @param message the JSON-RPC message
	 * @param mapper the mapper for JSON access
	 * @return the event
	 */
	public static McpEvent ofJsonRpc(String server, @Nullable String id, String message, ObjectMapper mapper) {
		return new McpEvent(server, id, DEFAULT_TYPE, message, mapper, true);
	}

	/**
	 * Return the event's number from its source, for {@link JsonPrefetch}.
	 * @return the number, 0 when the event has none
	 */
	long sequence() {
		return this.sequence;
	}

	/**
	 * Return whether the event is a JSON-RPC message from an MCP session, whose
	 * {@link #as(Class)} maps the {@code params}.
	 * @return whether the event carries a JSON-RPC message
	 */
	public boolean isJsonRpc() {
		return this.jsonRpc;
	}

	/**
	 * Return the name of the server the event came from ({@code default} for
	 * {@code cloudrun.mcp.base-url}).
	 * @return the server name
	 */
	public String server() {
		return this.server;
	}

	/**
	 * Return the SSE id of the event (the stream's last event ID when it was dispatched).
	 * @return the id, or {@code null} if the stream has none
	 */
	public @Nullable String id() {
		return this.id;
	}

	/**
	 * Return the event's type.
	 * @return the type
	 */
	public String type() {
		String resolved = this.type;
		if (resolved == null) {
			resolved = this.sseType;
			if (DEFAULT_TYPE.equals(resolved)) {
				byte[] bytes = this.utf8;
				String sniffed = EventTypeSniffer
					.sniff((bytes != null && isAscii(bytes)) ? new AsciiText(bytes) : data());
				if (sniffed != null && !sniffed.isEmpty()) {
					resolved = sniffed;
				}
			}
			this.type = resolved;
		}
		return resolved;
	}

	/**
	 * Return the SSE {@code event:} field as sent ({@code message} when absent).
	 * @return the SSE event type
	 */
	public String sseType() {
		return this.sseType;
	}

	/**
	 * Return the raw data.
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
	 * Return when the event arrived.
	 * @return the arrival time
	 */
	public Instant receivedAt() {
		return Instant.ofEpochMilli(getTimestamp());
	}

	/**
	 * Return the data as a JSON tree, parsed on first access.
	 * @return the tree
	 * @throws McpEventPayloadException if the data is not JSON
	 */
	public JsonNode json() {
		JsonPrefetch demand = this.prefetch;
		if (demand != null) {
			demand.asked(this.sequence);
		}
		JsonNode tree = this.json;
		if (tree == null) {
			try {
				tree = parse();
			}
			catch (JacksonException ex) {
				throw new McpEventPayloadException(describe() + " is not JSON: " + ex.getOriginalMessage(), ex);
			}
			this.json = tree;
		}
		return tree;
	}

	/**
	 * Parse an event's tree ahead of {@link #json()}, on the thread that read it, before
	 * the event is handed to the consumers' thread (which the hand-off makes see it).
	 * @param event the event read from the network
	 * @param mapper the mapper for JSON access
	 * @return the tree, or {@code null} when the data is not JSON, which {@code json()}
	 * then reports with its message where it is asked
	 */
	static @Nullable JsonNode prefetchTree(SseEvent event, ObjectMapper mapper) {
		try {
			return readTree(mapper, event.utf8(), event::data);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private JsonNode parse() {
		return readTree(this.mapper, this.utf8, this::data);
	}

	private static JsonNode readTree(ObjectMapper mapper, byte @Nullable [] bytes, Supplier<String> text) {
		if (bytes == null) {
			return mapper.readTree(text.get());
		}
		// Plain JSON skips Jackson's fixed cost per call; the reader declines the rest.
		PlainJsonTreeReader plain = PlainJsonTreeReader.of(mapper);
		JsonNode tree = (plain != null) ? plain.read(bytes) : null;
		if (tree != null) {
			return tree;
		}
		if (isAscii(bytes)) {
			try {
				return mapper.readTree(bytes);
			}
			catch (JacksonException ex) {
				// Jackson words some errors differently for bytes: the text's are the
				// ones users see.
			}
		}
		return mapper.readTree(text.get());
	}

	/**
	 * Return the data mapped to a type: the raw data for {@code String}, the tree for
	 * {@code JsonNode}, this event for {@code McpEvent}, else the JSON mapped with
	 * Jackson: for a JSON-RPC message from an MCP session ({@link #isJsonRpc()}), its
	 * {@code params}.
	 * @param <T> the target type
	 * @param type the target type
	 * @return the mapped payload
	 * @throws McpEventPayloadException if the data cannot be mapped
	 */
	public <T> T as(Class<T> type) {
		if (type == String.class || type == CharSequence.class) {
			return type.cast(data());
		}
		if (type.isInstance(this)) {
			return type.cast(this);
		}
		if (type == JsonNode.class || type == Object.class) {
			return type.cast(json());
		}
		try {
			if (this.jsonRpc) {
				JsonNode params = json().get("params");
				return this.mapper.treeToValue((params != null) ? params : this.mapper.createObjectNode(), type);
			}
			if (this.json != null) {
				return this.mapper.treeToValue(this.json, type);
			}
			byte[] bytes = this.utf8;
			if (bytes != null && isAscii(bytes)) {
				try {
					return this.mapper.readValue(bytes, type);
				}
				catch (JacksonException ex) {
					// As in parse(): the error users see is the text's.
				}
			}
			return this.mapper.readValue(data(), type);
		}
		catch (JacksonException ex) {
			throw new McpEventPayloadException(
					describe() + " cannot be mapped to " + type.getName() + ": " + ex.getOriginalMessage(), ex);
		}
	}

	private String describe() {
		return "Event " + ((this.id != null) ? "id '" + PrintableText.of(this.id) + "' " : "") + "of type '"
				+ PrintableText.of(type()) + "' from server '" + this.server + "'";
	}

	@Override
	public String toString() {
		return "McpEvent[server=" + this.server + ", id=" + PrintableText.of(this.id) + ", type="
				+ PrintableText.of(type()) + ", data=" + data().length() + " chars]";
	}

	/**
	 * Return whether the bytes are ASCII without NUL, which Jackson reads as bytes with
	 * the very result it gives for their text. Other bytes go through the decoded text:
	 * invalid UTF-8 must become U+FFFD as the SSE rules say (Jackson would reject it or
	 * take encoded surrogates), and a leading NUL would make Jackson guess UTF-16 or
	 * UTF-32.
	 */
	private static boolean isAscii(byte[] bytes) {
		for (byte b : bytes) {
			if (b <= 0) {
				return false;
			}
		}
		return true;
	}

}
