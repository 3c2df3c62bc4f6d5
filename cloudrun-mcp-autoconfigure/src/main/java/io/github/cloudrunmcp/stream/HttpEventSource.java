package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * The events of a plain event-stream endpoint ({@code GET <base-url>/events}, the
 * {@code events} transport): a {@link ReconnectingEventStream} whose {@link SseEvent}s
 * become {@link McpEvent}s of the server. Taken one event at a time ({@link #events()}),
 * while consumers read the events' JSON and are behind, their trees are parsed on the
 * network thread as the events are parsed ({@link JsonPrefetch}). Taken a network read at
 * a time ({@link #batches()}), the consumers' thread parses the trees it asks for: the
 * stream then reads ahead of its consumers, so the network thread has its own work while
 * they parse, and taking theirs on too made it the slower of the two.
 */
public final class HttpEventSource implements McpEventSource {

	private static final Log logger = LogFactory.getLog(HttpEventSource.class);

	private static final String LOCATION_HINT = "Check cloudrun.mcp.base-url and cloudrun.mcp.events-path (default "
			+ "/events); if the server speaks the Model Context Protocol, set its transport to streamable-http.";

	private final String server;

	private final ObjectMapper mapper;

	private final ReconnectingEventStream engine;

	private final JsonPrefetch prefetch = new JsonPrefetch();

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	/**
	 * Create a source; it connects when its events are subscribed to.
	 * @param server the server's name, carried by every event
	 * @param url the event-stream URL
	 * @param client the client to connect with (carrying the ID-token filter where
	 * needed)
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 */
	public HttpEventSource(String server, URI url, WebClient client, StreamSettings settings, ObjectMapper mapper) {
		this(server, url, client, settings, mapper, "");
	}

	/**
	 * Create a source that resumes where another left off: its first connection sends
	 * {@code Last-Event-ID}, as when an instance of a fleet takes a stream over.
	 * @param server the server's name, carried by every event
	 * @param url the event-stream URL
	 * @param client the client to connect with
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 * @param resumeFrom the event ID to resume from, or the empty string to start afresh
	 */
	public HttpEventSource(String server, URI url, WebClient client, StreamSettings settings, ObjectMapper mapper,
			String resumeFrom) {
		this.server = Objects.requireNonNull(server, "server");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.statuses.tryEmitNext(new McpStreamStatus(McpStreamStatus.State.NEW, 0, null, null, Instant.now()));
		this.engine = ReconnectingEventStream.builder(client, settings)
			.name(server)
			.request(SseRequest.get(Objects.requireNonNull(url, "url")))
			.locationHint(LOCATION_HINT)
			.onStatus(this::status)
			.resumeFrom(resumeFrom, null)
			.onParsed(this::parsed)
			.build();
	}

	private void status(McpStreamStatus status) {
		Throwable cause = status.cause();
		if (status.state() == McpStreamStatus.State.FAILED && cause != null) {
			logger.error("MCP event stream '" + this.server + "' stopped: " + cause.getMessage());
		}
		synchronized (this.statuses) {
			this.statuses.tryEmitNext(status);
		}
	}

	@Override
	public Flux<McpEvent> events() {
		// A stream that ended for good says so in its status; its subscribers complete.
		return this.engine.events().map((event) -> {
			McpEvent made = event(event);
			this.prefetch.handedOver(made.sequence());
			return made;
		}).onErrorComplete();
	}

	@Override
	public Flux<List<McpEvent>> batches() {
		return this.engine.batches().map(this::events).onErrorComplete();
	}

	@Override
	public boolean batchesByRead() {
		return true;
	}

	private List<McpEvent> events(List<SseEvent> batch) {
		// Without the prefetch, their json() calls are not noted: nothing is parsed
		// ahead.
		List<McpEvent> events = new ArrayList<>(batch.size());
		for (SseEvent event : batch) {
			events.add(new McpEvent(this.server, event, this.mapper, null));
		}
		return events;
	}

	/**
	 * Parse the event's tree while the network thread reads its buffer, when consumers
	 * ask for trees: the events are emitted later, often on the thread that requests more
	 * (the consumers'), where the parse would no longer overlap with their work.
	 */
	private void parsed(SseEvent event) {
		if (this.prefetch.wanted()) {
			JsonNode tree = McpEvent.prefetchTree(event, this.mapper);
			if (tree != null) {
				event.json(tree);
			}
		}
	}

	private McpEvent event(SseEvent event) {
		return new McpEvent(this.server, event, this.mapper, this.prefetch);
	}

	@Override
	public Flux<McpStreamStatus> statusChanges() {
		return this.statuses.asFlux();
	}

	@Override
	public long connections() {
		return this.engine.connections();
	}

	/**
	 * Return the ID the next connection resumes from.
	 * @return the last event ID, or the empty string
	 */
	@Override
	public String lastEventId() {
		return this.engine.lastEventId();
	}

	/**
	 * Return how many event IDs were ignored because they cannot be sent back as
	 * {@code Last-Event-ID}.
	 * @return the count
	 */
	public long ignoredIds() {
		return this.engine.ignoredIds();
	}

}
