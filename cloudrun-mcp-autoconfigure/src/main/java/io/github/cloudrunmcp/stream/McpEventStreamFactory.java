package io.github.cloudrunmcp.stream;

import java.util.Objects;
import java.util.function.Consumer;

import io.github.cloudrunmcp.server.McpServer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.ObjectMapper;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Creates the {@link McpEventStream} of a server with shared settings, client and
 * dispatcher.
 */
public final class McpEventStreamFactory {

	private final WebClient client;

	private final StreamSettings settings;

	private final ObjectMapper mapper;

	private final McpDispatchExecutor dispatchThreads;

	private final @Nullable Consumer<McpEvent> dispatcher;

	/**
	 * Create a factory whose streams deliver on the
	 * {@linkplain McpDispatchExecutor#shared() shared dispatch threads}.
	 * @param client the client streams connect with
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatcher receives every event, or {@code null}
	 */
	public McpEventStreamFactory(WebClient client, StreamSettings settings, ObjectMapper mapper,
			@Nullable Consumer<McpEvent> dispatcher) {
		this(client, settings, mapper, McpDispatchExecutor.shared(), dispatcher);
	}

	/**
	 * Create a factory.
	 * @param client the client streams connect with
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatchThreads the threads on which all its streams deliver their events
	 * @param dispatcher receives every event, or {@code null}
	 */
	public McpEventStreamFactory(WebClient client, StreamSettings settings, ObjectMapper mapper,
			McpDispatchExecutor dispatchThreads, @Nullable Consumer<McpEvent> dispatcher) {
		this.client = Objects.requireNonNull(client, "client");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.dispatchThreads = Objects.requireNonNull(dispatchThreads, "dispatchThreads");
		this.dispatcher = dispatcher;
	}

	/**
	 * Create the stream of a server; it opens when started.
	 * @param server the server
	 * @return the stream
	 */
	public McpEventStream create(McpServer server) {
		return create(server, "");
	}

	/**
	 * Create the stream of a server that resumes where another left off: its first
	 * connection sends {@code Last-Event-ID}, as when an instance of a fleet takes the
	 * stream over.
	 * @param server the server
	 * @param resumeFrom the event ID to resume from, or the empty string to start afresh
	 * @return the stream
	 */
	public McpEventStream create(McpServer server, String resumeFrom) {
		HttpEventSource source = new HttpEventSource(server.name(), server.eventsUrl(), this.client, this.settings,
				this.mapper, resumeFrom);
		return new McpEventStream(server.name(), server.eventsUrl(), source, this.settings, this.mapper,
				this.dispatchThreads, this.dispatcher);
	}

	/**
	 * Create the stream of a server whose events come from a source the stream does not
	 * open itself, such as the server's MCP session.
	 * @param server the server
	 * @param source the source of its events
	 * @return the stream
	 */
	public McpEventStream create(McpServer server, McpEventSource source) {
		return new McpEventStream(server.name(), server.mcpUrl(), source, this.settings, this.mapper,
				this.dispatchThreads, this.dispatcher);
	}

	/**
	 * Return a factory like this one whose streams hand their events to another
	 * dispatcher: the holder of a stream shared by a fleet publishes them rather than
	 * calling listeners, and a stream fed by the fleet settles each event after its
	 * listeners.
	 * @param dispatcher receives every event, or {@code null}
	 * @return the factory
	 */
	public McpEventStreamFactory withDispatcher(@Nullable Consumer<McpEvent> dispatcher) {
		return new McpEventStreamFactory(this.client, this.settings, this.mapper, this.dispatchThreads, dispatcher);
	}

	/**
	 * Return the dispatcher the streams hand their events to.
	 * @return the dispatcher, or {@code null}
	 */
	public @Nullable Consumer<McpEvent> dispatcher() {
		return this.dispatcher;
	}

	/**
	 * Return the threads on which the streams deliver their events.
	 * @return the dispatch threads
	 */
	public McpDispatchExecutor dispatchThreads() {
		return this.dispatchThreads;
	}

	/**
	 * Return the mapper for the events' JSON access.
	 * @return the mapper
	 */
	public ObjectMapper mapper() {
		return this.mapper;
	}

	/**
	 * Return the stream settings.
	 * @return the settings
	 */
	public StreamSettings settings() {
		return this.settings;
	}

}
