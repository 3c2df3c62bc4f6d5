package io.github.cloudrunmcp.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.auth.IdTokenStatus;
import io.github.cloudrunmcp.auth.TokenRoute;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.McpToolLists;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.text.PrintableText;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code mcp} actuator endpoint ({@code /actuator/mcp},
 * {@code /actuator/mcp/{name}}): per server its transport, URL, negotiated protocol
 * revision, connection status, last event ID, connections and reconnects, tool count and
 * when its ID token expires (never the token, nor the session ID). Exposed and secured
 * like any other actuator endpoint: not over the web unless
 * {@code management.endpoints.web.exposure.include} names it.
 */
@Endpoint(id = "mcp")
public class McpEndpoint {

	private static final Duration TOOLS_TIMEOUT = Duration.ofSeconds(2);

	private final McpServers servers;

	private final Map<String, McpEventStream> streams;

	private final Map<String, McpSession> sessions;

	private final Map<String, McpOperations> operations;

	private final @Nullable McpToolLists toolLists;

	private final @Nullable IdTokenExchangeFilterFunction tokens;

	/**
	 * Create the endpoint.
	 * @param servers the configured servers
	 * @param streams the event streams
	 * @param sessions the MCP sessions
	 * @param tokens the ID-token filter, or {@code null}
	 */
	public McpEndpoint(McpServers servers, List<McpEventStream> streams, List<McpSession> sessions,
			@Nullable IdTokenExchangeFilterFunction tokens) {
		this(servers, streams, sessions, List.of(), tokens);
	}

	/**
	 * Create the endpoint, with the revision of servers that have no 2025-11-25 session
	 * (2026-07-28 and {@code auto}) from their operations.
	 * @param servers the configured servers
	 * @param streams the event streams
	 * @param sessions the MCP sessions
	 * @param operations the MCP operations
	 * @param tokens the ID-token filter, or {@code null}
	 */
	public McpEndpoint(McpServers servers, List<McpEventStream> streams, List<McpSession> sessions,
			List<McpOperations> operations, @Nullable IdTokenExchangeFilterFunction tokens) {
		this(servers, streams, sessions, operations, null, tokens);
	}

	/**
	 * Create the endpoint, with the revision of servers that have no 2025-11-25 session
	 * (2026-07-28 and {@code auto}) from their operations, and their tool count from the
	 * tool lists kept of them.
	 * @param servers the configured servers
	 * @param streams the event streams
	 * @param sessions the MCP sessions
	 * @param operations the MCP operations
	 * @param toolLists the tool lists kept of the servers, or {@code null}
	 * @param tokens the ID-token filter, or {@code null}
	 */
	public McpEndpoint(McpServers servers, List<McpEventStream> streams, List<McpSession> sessions,
			List<McpOperations> operations, @Nullable McpToolLists toolLists,
			@Nullable IdTokenExchangeFilterFunction tokens) {
		this.toolLists = toolLists;
		this.operations = new LinkedHashMap<>();
		operations.forEach((each) -> this.operations.put(each.server(), each));
		this.servers = Objects.requireNonNull(servers, "servers");
		this.streams = new LinkedHashMap<>();
		streams.forEach((stream) -> this.streams.put(stream.server(), stream));
		this.sessions = new LinkedHashMap<>();
		sessions.forEach((session) -> this.sessions.put(session.server().name(), session));
		this.tokens = tokens;
	}

	/**
	 * Describe every server.
	 * @return the servers by name
	 */
	@ReadOperation
	public Mono<ServersDescriptor> servers() {
		return Flux.fromIterable(this.servers.all())
			.concatMap(this::describe)
			.collectMap(ServerDescriptor::name, (descriptor) -> descriptor, LinkedHashMap::new)
			.map(ServersDescriptor::new);
	}

	/**
	 * Describe one server.
	 * @param name the server's name
	 * @return the server, or empty (404) when there is none of that name
	 */
	@ReadOperation
	public Mono<ServerDescriptor> server(@Selector String name) {
		return Mono.justOrEmpty(this.servers.find(name)).flatMap(this::describe);
	}

	private Mono<ServerDescriptor> describe(McpServer server) {
		McpSession session = this.sessions.get(server.name());
		McpEventStream stream = this.streams.get(server.name());
		Mono<Integer> tools = (session != null) ? tools(session) : tools(this.operations.get(server.name()));
		return tools.map(Integer::valueOf)
			.map((count) -> descriptor(server, session, stream, count))
			.defaultIfEmpty(descriptor(server, session, stream, null));
	}

	private static Mono<Integer> tools(@Nullable McpSession session) {
		if (session == null || !session.async().isInitialized()) {
			return Mono.empty();
		}
		return session.async()
			.listTools()
			.map((result) -> result.tools().size())
			.timeout(TOOLS_TIMEOUT)
			.onErrorResume((ex) -> Mono.empty());
	}

	/**
	 * Count the tools of a server without a 2025-11-25 session (2026-07-28 or
	 * {@code auto}) from the list kept of it, once its revision is known: the endpoint
	 * never starts a negotiation.
	 */
	private Mono<Integer> tools(@Nullable McpOperations operations) {
		McpToolLists lists = this.toolLists;
		if (operations == null || lists == null || operations.revision().isEmpty()) {
			return Mono.empty();
		}
		return lists.tools(operations).map(List::size).timeout(TOOLS_TIMEOUT).onErrorResume((ex) -> Mono.empty());
	}

	private ServerDescriptor descriptor(McpServer server, @Nullable McpSession session, @Nullable McpEventStream stream,
			@Nullable Integer tools) {
		McpStreamStatus status = (stream != null) ? stream.status() : null;
		String url = server.speaksMcp() ? server.mcpUrl().toString()
				: (stream != null) ? stream.url().toString() : server.baseUrl().toString();
		// Server text (error messages, event IDs, the revision) is escaped before it is
		// shown.
		StatusDescriptor statusDescriptor = (status != null)
				? new StatusDescriptor(status.state().name(), status.since(), status.attempt(),
						(status.cause() != null) ? PrintableText.of(status.cause().getMessage()) : null)
				: null;
		Long connections = (stream != null) ? stream.stats().connections() : null;
		McpOperations operations = this.operations.get(server.name());
		String protocolVersion = (session != null) ? session.transport().protocolVersion()
				: (operations != null) ? operations.revision().map(McpRevision::version).orElse(null) : null;
		return new ServerDescriptor(server.name(), server.speaksMcp() ? "streamable-http" : "events", url,
				(protocolVersion != null) ? PrintableText.of(protocolVersion) : null,
				(session != null) ? session.async().isInitialized() : null, statusDescriptor,
				lastEventId(session, stream), connections, (connections != null) ? Math.max(0, connections - 1) : null,
				(stream != null) ? stream.stats().received() : null, tools, token(server));
	}

	/**
	 * Return the stream's last event ID, escaped; none when it holds the session ID, as
	 * the IDs of servers built on the MCP SDK's servlet transport do.
	 */
	private static @Nullable String lastEventId(@Nullable McpSession session, @Nullable McpEventStream stream) {
		String id = (stream != null) ? stream.lastEventId() : "";
		if (id.isEmpty()) {
			return null;
		}
		String sessionId = (session != null) ? session.transport().sessionId() : null;
		if (sessionId != null && id.contains(sessionId)) {
			return null;
		}
		return PrintableText.of(id);
	}

	private @Nullable TokenDescriptor token(McpServer server) {
		IdTokenExchangeFilterFunction filter = this.tokens;
		TokenRoute route = (filter != null) ? filter.routeFor(server.origin()) : null;
		if (route == null) {
			return null;
		}
		IdTokenStatus status = route.provider().status(route.audience());
		return new TokenDescriptor(route.audience(), (status != null) ? status.fetchedAt() : null,
				(status != null) ? status.expiresAt() : null);
	}

	/**
	 * All servers.
	 *
	 * @param servers the servers by name
	 */
	public record ServersDescriptor(Map<String, ServerDescriptor> servers) {

	}

	/**
	 * One server.
	 *
	 * @param name its name
	 * @param transport {@code events} or {@code streamable-http}
	 * @param url the URL of its event stream or MCP endpoint
	 * @param protocolVersion the negotiated protocol revision, for an MCP server
	 * @param initialized whether its MCP session is initialized, for an MCP server
	 * @param status its stream's status, when it has a stream
	 * @param lastEventId the last event ID received
	 * @param connections the connection attempts of its stream
	 * @param reconnects the connection attempts after the first
	 * @param eventsReceived the events its stream received
	 * @param tools how many tools it offers, when its session is initialized (or its
	 * revision negotiated) and it answered in time; for a server without a 2025-11-25
	 * session, from the list kept of it until it changes
	 * ({@code notifications/tools/list_changed}) or the listen stream is reopened
	 * @param token its ID token's audience and times, when requests to it carry one
	 */
	public record ServerDescriptor(String name, String transport, String url, @Nullable String protocolVersion,
			@Nullable Boolean initialized, @Nullable StatusDescriptor status, @Nullable String lastEventId,
			@Nullable Long connections, @Nullable Long reconnects, @Nullable Long eventsReceived,
			@Nullable Integer tools, @Nullable TokenDescriptor token) {

	}

	/**
	 * The status of a server's stream.
	 *
	 * @param state the state
	 * @param since when it entered the state
	 * @param attempt consecutive failed attempts
	 * @param error why the last connection ended, if it failed
	 */
	public record StatusDescriptor(String state, Instant since, int attempt, @Nullable String error) {

	}

	/**
	 * The ID token of a server, without the token.
	 *
	 * @param audience the token's audience
	 * @param fetchedAt when the cached token was fetched, if one is cached
	 * @param expiresAt when it expires, if one is cached
	 */
	public record TokenDescriptor(String audience, @Nullable Instant fetchedAt, @Nullable Instant expiresAt) {

	}

}
