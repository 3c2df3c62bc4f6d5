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

	private final @Nullable Consumer<McpEvent> dispatcher;

	/**
	 * Create a factory.
	 * @param client the client streams connect with
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatcher receives every event, or {@code null}
	 */
	public McpEventStreamFactory(WebClient client, StreamSettings settings, ObjectMapper mapper,
			@Nullable Consumer<McpEvent> dispatcher) {
		this.client = Objects.requireNonNull(client, "client");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.dispatcher = dispatcher;
	}

	/**
	 * Create the stream of a server; it opens when started.
	 * @param server the server
	 * @return the stream
	 */
	public McpEventStream create(McpServer server) {
		return new McpEventStream(server.name(), server.eventsUrl(), this.client, this.settings, this.mapper,
				this.dispatcher);
	}

	/**
	 * Create the stream of a server whose events come from a source the stream does not
	 * open itself, such as the server's MCP session.
	 * @param server the server
	 * @param source the source of its events
	 * @return the stream
	 */
	public McpEventStream create(McpServer server, McpEventSource source) {
		return new McpEventStream(server.name(), server.mcpUrl(), source, this.settings, this.mapper, this.dispatcher);
	}

	/**
	 * Return the stream settings.
	 * @return the settings
	 */
	public StreamSettings settings() {
		return this.settings;
	}

}
