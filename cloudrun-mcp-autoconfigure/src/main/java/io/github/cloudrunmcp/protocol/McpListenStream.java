package io.github.cloudrunmcp.protocol;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpStreamException;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.ReconnectingEventStream;
import io.github.cloudrunmcp.stream.SseEvent;
import io.github.cloudrunmcp.stream.SseRequest;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestHeaders;
import io.modelcontextprotocol.modern.client.transport.McpTransportRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The {@code subscriptions/listen} stream of a 2026-07-28 server as an
 * {@link McpEventSource}, on the library's stream engine
 * ({@link ReconnectingEventStream}): one long-lived {@code POST} on the authenticated
 * {@link WebClient} whose notifications become events with the same types as in
 * 2025-11-25 ({@code notifications/tools/list_changed},
 * {@code notifications/resources/updated}, ...), so that listeners do not change when a
 * server upgrades.
 *
 * <p>
 * Each connection sends a new {@code subscriptions/listen} request with the revision's
 * {@code _meta} (protocol version, client capabilities, client information) and headers
 * ({@code MCP-Protocol-Version}, {@code Mcp-Method}). Its filter is resolved when the
 * stream starts (from what the server offers, see {@link Builder#filter(Supplier)}) and
 * again after every reopen; when it changed, the stream is reopened with the new one. The
 * stream is reopened with the reconnect backoff after every end: a cut connection, a
 * clean end ({@code SubscriptionsListenResult}), Cloud Run's request timeout, a server
 * that does not acknowledge the subscription within
 * {@link StreamSettings#responseTimeout()}, or a silence longer than
 * {@link StreamSettings#readTimeout()} (servers send keep-alive comments on this stream;
 * both official SDKs do every 15 to 30 seconds). The revision has no resumption, so after
 * every reopen, once the server acknowledged the subscription again, the kept tool list
 * is refreshed ({@link Builder#refresh(Function)}) and a {@value #RESYNC_TYPE} event says
 * that notifications may have been missed. A server that honours nothing the stream asks
 * for is not asked again.
 *
 * <p>
 * The notifications a server sends in its answers to requests (progress, log messages,
 * ...; see {@link McpAnswerNotifications}) are published among the stream's events as
 * well, while its events are subscribed to, also when the listen connection is closed
 * because there is nothing to listen to or was stopped for good.
 */
public final class McpListenStream implements McpEventSource {

	/** Type of the event published after every reopen of the listen stream. */
	public static final String RESYNC_TYPE = "cloudrun/mcp/resync";

	private static final Log logger = LogFactory.getLog(McpListenStream.class);

	private static final String METHOD = "subscriptions/listen";

	private static final String ACKNOWLEDGED = "notifications/subscriptions/acknowledged";

	private static final String TOOLS_CHANGED = "notifications/tools/list_changed";

	private static final String LOCATION_HINT = "Check base-url and mcp-path (default /mcp) and the server's revision "
			+ "(a 2026-07-28 server answers subscriptions/listen with an event stream).";

	/**
	 * JSON-RPC errors that the same request gets again: parse error, invalid request,
	 * method not found, invalid params.
	 */
	private static final Set<Integer> PERMANENT_ERRORS = Set.of(-32700, -32600, -32601, -32602);

	private static final AtomicLong requestIds = new AtomicLong();

	private final String server;

	private final URI endpoint;

	private final McpJsonMapper jsonMapper;

	private final ObjectMapper mapper;

	private final StreamSettings.Reconnect reconnect;

	private final Map<String, Object> meta;

	private final Supplier<Mono<McpSchema.SubscriptionFilter>> filters;

	private final Function<McpEvent, Mono<Void>> refresh;

	private final ReconnectingEventStream engine;

	private final @Nullable McpAnswerNotifications answers;

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	private final AtomicLong resyncs = new AtomicLong();

	private volatile McpSchema.SubscriptionFilter filter = McpSchema.SubscriptionFilter.EMPTY;

	private volatile Connection connection = new Connection();

	private volatile boolean acknowledgedBefore;

	private volatile boolean listening;

	private volatile boolean nothingHonoured;

	private volatile McpSchema.SubscriptionFilter warnedMissing = McpSchema.SubscriptionFilter.EMPTY;

	private volatile @Nullable McpStreamException refused;

	private McpListenStream(Builder builder) {
		this.server = builder.server;
		this.endpoint = builder.endpoint;
		this.jsonMapper = builder.jsonMapper;
		this.mapper = builder.mapper;
		this.reconnect = builder.settings.reconnect();
		this.filters = builder.filters;
		this.refresh = builder.refresh;
		this.answers = builder.answers;
		Map<String, Object> requestMeta = new LinkedHashMap<>();
		requestMeta.put("io.modelcontextprotocol/protocolVersion", McpRevision.V2026_07_28.version());
		requestMeta.put("io.modelcontextprotocol/clientCapabilities", builder.capabilities);
		if (builder.clientInfo != null) {
			requestMeta.put("io.modelcontextprotocol/clientInfo", builder.clientInfo);
		}
		this.meta = Map.copyOf(requestMeta);
		this.statuses.tryEmitNext(new McpStreamStatus(McpStreamStatus.State.NEW, 0, null, null, Instant.now()));
		this.engine = ReconnectingEventStream.builder(builder.client, builder.settings)
			.name(this.server)
			.request((attempt) -> request())
			.locationHint(LOCATION_HINT)
			// No Last-Event-ID: the revision has no resumption, every reopen resyncs.
			.resumable(false)
			.firstEventTimeout(builder.settings.responseTimeout())
			.failWhen(this::error)
			.continueWhile(() -> !this.nothingHonoured)
			.onOpen((opened) -> {
				this.connection = new Connection();
				return null;
			})
			.onStatus(this::engineStatus)
			.build();
	}

	/**
	 * Start building the listen stream of a server.
	 * @param server the server's name
	 * @param endpoint the server's MCP endpoint
	 * @param client the authenticated client
	 * @param settings the stream settings: timeouts, reconnect backoff, event size
	 * @param mapper the mapper for the events' JSON access
	 * @return the builder
	 */
	public static Builder builder(String server, URI endpoint, WebClient client, StreamSettings settings,
			ObjectMapper mapper) {
		return new Builder(server, endpoint, client, settings, mapper);
	}

	@Override
	public Flux<McpEvent> events() {
		AtomicInteger failures = new AtomicInteger();
		return Mono.defer(() -> {
			status(failures.get() > 0 ? McpStreamStatus.State.RECONNECTING : McpStreamStatus.State.CONNECTING,
					failures.get(), null, null);
			return this.filters.get();
		}).retryWhen(Retry.from((signals) -> signals.concatMap((signal) -> {
			int attempt = failures.incrementAndGet();
			Duration delay = this.reconnect.delay(attempt, null, null);
			logger.warn("Listen stream of MCP server '" + this.server + "' cannot tell what to listen to (attempt "
					+ attempt + "): " + McpSessionLifecycle.describe(signal.failure()) + "; retrying in "
					+ delay.toMillis() + " ms.");
			status(McpStreamStatus.State.RECONNECTING, attempt, delay, signal.failure());
			return Mono.delay(delay);
		}))).flatMapMany((resolved) -> {
			this.filter = resolved;
			if (resolved.isEmpty()) {
				logger.info("MCP server '" + this.server + "' offers no notifications that the application listens "
						+ "to; its listen stream stays closed.");
				status(McpStreamStatus.State.CLOSED, 0, null, null);
				return Flux.empty();
			}
			this.nothingHonoured = false;
			this.acknowledgedBefore = false;
			// A stream that ended for good says so in its status.
			return this.engine.events().concatMap(this::received).onErrorComplete();
		})
			// From the start, whatever becomes of the listen connection.
			.mergeWith(answers());
	}

	private Flux<McpEvent> answers() {
		McpAnswerNotifications notifications = this.answers;
		return (notifications != null) ? notifications.events() : Flux.empty();
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
	 * Return the server's name.
	 * @return the name
	 */
	public String server() {
		return this.server;
	}

	/**
	 * Return how many notifications of answers to the server's requests were dropped
	 * because the event stream fell behind with the overflow policy {@code block} (see
	 * {@link McpAnswerNotifications}).
	 * @return the count
	 */
	public long droppedAnswerNotifications() {
		McpAnswerNotifications notifications = this.answers;
		return (notifications != null) ? notifications.dropped() : 0;
	}

	/**
	 * Return the filter the stream asks for, once it started.
	 * @return the filter, empty before the stream started
	 */
	public McpSchema.SubscriptionFilter filter() {
		return this.filter;
	}

	/**
	 * Return how many times the stream reopened after it was first open, each followed by
	 * a {@value #RESYNC_TYPE} event.
	 * @return the count
	 */
	public long resyncs() {
		return this.resyncs.get();
	}

	/**
	 * Return the filter of what a server offers and the application listens to: the list
	 * changes the server declares in its capabilities, and the given resources when it
	 * declares resource subscriptions.
	 * @param server the server's name, for the warning when it cannot subscribe to
	 * resources
	 * @param capabilities the capabilities the server declared ({@code server/discover})
	 * @param resourceUris the resources whose updates the application subscribes to
	 * @return the filter, empty when there is nothing to listen to
	 */
	public static McpSchema.SubscriptionFilter filter(String server,
			McpSchema.@Nullable ServerCapabilities capabilities, List<String> resourceUris) {
		McpSchema.SubscriptionFilter filter = McpSchema.SubscriptionFilter.EMPTY;
		if (capabilities == null) {
			return filter;
		}
		if (capabilities.tools() != null && Boolean.TRUE.equals(capabilities.tools().listChanged())) {
			filter = filter.with(McpSchema.SubscriptionFilter.TOOLS_LIST_CHANGED, true);
		}
		if (capabilities.prompts() != null && Boolean.TRUE.equals(capabilities.prompts().listChanged())) {
			filter = filter.with(McpSchema.SubscriptionFilter.PROMPTS_LIST_CHANGED, true);
		}
		McpSchema.ServerCapabilities.Resources resources = capabilities.resources();
		if (resources != null && Boolean.TRUE.equals(resources.listChanged())) {
			filter = filter.with(McpSchema.SubscriptionFilter.RESOURCES_LIST_CHANGED, true);
		}
		if (!resourceUris.isEmpty()) {
			if (resources != null && Boolean.TRUE.equals(resources.subscribe())) {
				filter = filter.with(McpSchema.SubscriptionFilter.RESOURCE_SUBSCRIPTIONS, List.copyOf(resourceUris));
			}
			else {
				logger.warn("MCP server '" + server + "' does not offer resource subscriptions; updates of "
						+ resourceUris + " will not be received.");
			}
		}
		return filter;
	}

	private SseRequest request() {
		Map<String, Object> params = new LinkedHashMap<>();
		params.put("notifications", this.filter.fields());
		params.put("_meta", this.meta);
		JsonRpc.JSONRPCRequest message = new JsonRpc.JSONRPCRequest(METHOD, requestIds.incrementAndGet(), params);
		String body;
		try {
			body = this.jsonMapper.writeValueAsString(message);
		}
		catch (IOException ex) {
			throw new IllegalStateException("subscriptions/listen cannot be serialized: " + ex.getMessage(), ex);
		}
		Map<String, String> headers = new LinkedHashMap<>();
		McpHttpRequestHeaders
			.forRequest(McpTransportRequest.builder(message, McpRevision.V2026_07_28.version()).build())
			.forEach(headers::put);
		return new SseRequest(HttpMethod.POST, this.endpoint, headers, body);
	}

	/**
	 * Classify a JSON-RPC error that answers the listen request (in the stream or as its
	 * JSON body): one the same request gets again stops the stream, another ends the
	 * connection as a failed attempt, reopened with backoff.
	 */
	private @Nullable McpStreamException error(SseEvent event) {
		if (!McpEvent.DEFAULT_TYPE.equals(event.type()) || !event.data().contains("\"error\"")) {
			return null;
		}
		JsonNode message;
		try {
			message = this.mapper.readTree(event.data());
		}
		catch (JacksonException ex) {
			return null;
		}
		JsonNode error = message.get("error");
		if (message.has("method") || error == null || !error.isObject()) {
			return null;
		}
		JsonNode code = error.get("code");
		String what = "MCP server '" + this.server + "' answered subscriptions/listen with JSON-RPC error "
				+ ((code != null && code.isNumber()) ? code.asString() : "(no code)") + ": "
				+ PrintableText.of((text(error, "message") != null) ? text(error, "message") : error.toString(), 300);
		if (code != null && code.isInt() && PERMANENT_ERRORS.contains(code.intValue())) {
			McpStreamException stop = new McpStreamException(what + "; not reopening its listen stream (asked for "
					+ this.filter + "). Check the server's revision (cloudrun.mcp.servers.<name>.revision) and what "
					+ "it offers.", 0, false, null);
			this.refused = stop;
			return stop;
		}
		// Logged once, by the engine, as the end of a failed connection.
		return new McpStreamException(what, 0, true, null);
	}

	private Flux<McpEvent> received(SseEvent event) {
		if (!McpEvent.DEFAULT_TYPE.equals(event.type()) || event.data().isEmpty()) {
			return Flux.empty();
		}
		JsonNode message;
		try {
			message = this.mapper.readTree(event.data());
		}
		catch (JacksonException ex) {
			logger.warn("Listen stream of MCP server '" + this.server + "' dropped a message that is not JSON: "
					+ PrintableText.of(event.data(), 200));
			return Flux.empty();
		}
		String method = text(message, "method");
		if (method == null) {
			ended(message);
			return Flux.empty();
		}
		if (message.has("id")) {
			// 2026-07-28 asks for input through results, never through requests.
			logger
				.warn("Listen stream of MCP server '" + this.server + "' ignored request " + PrintableText.of(method));
			return Flux.empty();
		}
		Connection current = this.connection;
		if (ACKNOWLEDGED.equals(method)) {
			return acknowledged(current, message);
		}
		if (!current.acknowledged) {
			logger.debug("Listen stream of MCP server '" + this.server + "' dropped " + PrintableText.of(method)
					+ ", sent before the subscription was acknowledged");
			return Flux.empty();
		}
		McpEvent notification = McpEvent.ofJsonRpc(this.server, event.id(), event.data(), this.mapper);
		if (TOOLS_CHANGED.equals(method)) {
			// Whoever lists tools when told of the change gets the new list.
			return refreshed(notification).thenReturn(notification).flux();
		}
		return Flux.just(notification);
	}

	private Flux<McpEvent> acknowledged(Connection current, JsonNode message) {
		if (current.acknowledged) {
			return Flux.empty();
		}
		current.acknowledged = true;
		McpSchema.SubscriptionFilter honoured = honoured(message);
		McpSchema.SubscriptionFilter missing = this.filter.missingFrom(honoured);
		if (honoured.isEmpty()) {
			this.nothingHonoured = true;
			logger.warn("MCP server '" + this.server + "' honours nothing of " + this.filter
					+ " on its listen stream; not listening to it.");
			return Flux.empty();
		}
		if (!missing.isEmpty() && !missing.equals(this.warnedMissing)) {
			this.warnedMissing = missing;
			logger.warn("MCP server '" + this.server + "' does not honour " + missing + " on its listen stream.");
		}
		status(McpStreamStatus.State.OPEN, 0, null, null);
		if (!this.listening) {
			this.listening = true;
			if (logger.isInfoEnabled()) {
				logger.info("MCP server '" + this.server + "' listening: protocol 2026-07-28, " + honoured);
			}
		}
		if (!this.acknowledgedBefore) {
			// Nothing was missed before the first subscription, even when connections
			// failed before it.
			this.acknowledgedBefore = true;
			return Flux.empty();
		}
		this.resyncs.incrementAndGet();
		McpEvent resync = new McpEvent(this.server, null, RESYNC_TYPE, "{}", this.mapper);
		return refreshed(resync).then(rediscovered()).thenReturn(resync).flux();
	}

	/**
	 * After a reopen, ask again what to listen to: a server whose capabilities changed (a
	 * new revision deployed) gets a stream with the new filter.
	 */
	private Mono<Void> rediscovered() {
		return Mono.defer(this.filters).doOnNext((resolved) -> {
			if (resolved.isEmpty() || resolved.equals(this.filter)) {
				return;
			}
			logger.info("MCP server '" + this.server + "' changed what it offers; reopening its listen stream for "
					+ resolved + " (was " + this.filter + ").");
			this.filter = resolved;
			this.engine.reconnect();
		}).onErrorResume((ex) -> {
			logger.debug("MCP server '" + this.server + "': what to listen to could not be asked again: "
					+ McpSessionLifecycle.describe(ex));
			return Mono.empty();
		}).then();
	}

	private McpSchema.SubscriptionFilter honoured(JsonNode message) {
		JsonNode notifications = message.path("params").path("notifications");
		if (!notifications.isObject()) {
			return McpSchema.SubscriptionFilter.EMPTY;
		}
		Map<String, Object> fields = new LinkedHashMap<>();
		notifications.properties()
			.forEach((field) -> fields.put(field.getKey(), this.mapper.treeToValue(field.getValue(), Object.class)));
		return McpSchema.SubscriptionFilter.of(fields);
	}

	private void ended(JsonNode message) {
		JsonNode error = message.get("error");
		if (error != null && !error.isNull()) {
			// The server ends the stream after its answer: the engine reopens it with
			// backoff.
			logger.warn("MCP server '" + this.server + "' ended its listen stream with an error: "
					+ PrintableText.of(error.toString(), 300));
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("MCP server '" + this.server + "' ended its listen stream; reopening it.");
		}
	}

	private Mono<Void> refreshed(McpEvent change) {
		return Mono.defer(() -> this.refresh.apply(change)).onErrorResume((ex) -> {
			logger.warn(
					"Tool list of MCP server '" + this.server + "' not refreshed: " + McpSessionLifecycle.describe(ex));
			return Mono.empty();
		});
	}

	private static @Nullable String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString()) ? value.asString() : null;
	}

	private void engineStatus(McpStreamStatus status) {
		// Open once the server acknowledged the subscription, not when the headers came.
		if (status.state() != McpStreamStatus.State.OPEN) {
			Throwable cause = status.cause();
			if (status.state() == McpStreamStatus.State.FAILED && cause != null && cause == this.refused) {
				// The server's answer says what is wrong: once, as a warning.
				logger.warn(cause.getMessage());
			}
			else if (status.state() == McpStreamStatus.State.FAILED && cause != null) {
				logger.error("Listen stream of MCP server '" + this.server + "' stopped: " + cause.getMessage());
			}
			emit(status);
		}
	}

	private void status(McpStreamStatus.State state, int attempt, @Nullable Duration delay, @Nullable Throwable cause) {
		emit(new McpStreamStatus(state, attempt, delay, cause, Instant.now()));
	}

	private void emit(McpStreamStatus status) {
		synchronized (this.statuses) {
			this.statuses.tryEmitNext(status);
		}
	}

	/**
	 * What one connection has seen.
	 */
	private static final class Connection {

		private volatile boolean acknowledged;

	}

	/**
	 * Builds a {@link McpListenStream}.
	 */
	public static final class Builder {

		private final String server;

		private final URI endpoint;

		private final WebClient client;

		private final StreamSettings settings;

		private final ObjectMapper mapper;

		private McpJsonMapper jsonMapper = McpJsonDefaults.getMapper();

		private McpSchema.@Nullable Implementation clientInfo;

		private McpSchema.ClientCapabilities capabilities = McpSchema.ClientCapabilities.NONE;

		private Supplier<Mono<McpSchema.SubscriptionFilter>> filters = () -> Mono
			.just(McpSchema.SubscriptionFilter.EMPTY.with(McpSchema.SubscriptionFilter.TOOLS_LIST_CHANGED, true)
				.with(McpSchema.SubscriptionFilter.PROMPTS_LIST_CHANGED, true)
				.with(McpSchema.SubscriptionFilter.RESOURCES_LIST_CHANGED, true));

		private Function<McpEvent, Mono<Void>> refresh = (change) -> Mono.empty();

		private @Nullable McpAnswerNotifications answers;

		private Builder(String server, URI endpoint, WebClient client, StreamSettings settings, ObjectMapper mapper) {
			this.server = Objects.requireNonNull(server, "server");
			this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
			this.client = Objects.requireNonNull(client, "client");
			this.settings = Objects.requireNonNull(settings, "settings");
			this.mapper = Objects.requireNonNull(mapper, "mapper");
		}

		/**
		 * Set the mapper that writes the requests.
		 * @param jsonMapper the mapper
		 * @return this builder
		 */
		public Builder jsonMapper(McpJsonMapper jsonMapper) {
			this.jsonMapper = Objects.requireNonNull(jsonMapper, "jsonMapper");
			return this;
		}

		/**
		 * Set the client information sent in every request's {@code _meta}.
		 * @param clientInfo the client's name and version
		 * @return this builder
		 */
		public Builder clientInfo(McpSchema.Implementation clientInfo) {
			this.clientInfo = Objects.requireNonNull(clientInfo, "clientInfo");
			return this;
		}

		/**
		 * Set the client capabilities sent in every request's {@code _meta}.
		 * @param capabilities the capabilities
		 * @return this builder
		 */
		public Builder capabilities(McpSchema.ClientCapabilities capabilities) {
			this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
			return this;
		}

		/**
		 * Set what the stream asks for, resolved each time it starts (retried with the
		 * reconnect backoff when it fails); an empty filter leaves the stream closed.
		 * Resolved again after every reopen: a different filter (not empty) reopens the
		 * stream with it. Default: the three list changes.
		 * @param filters the filter's supplier
		 * @return this builder
		 */
		public Builder filter(Supplier<Mono<McpSchema.SubscriptionFilter>> filters) {
			this.filters = Objects.requireNonNull(filters, "filters");
			return this;
		}

		/**
		 * Set what refreshes the tool list kept for the server (the SDK clients'
		 * catalogs), run before a {@code notifications/tools/list_changed} or a
		 * {@value #RESYNC_TYPE} event is delivered, with that event; its failure is
		 * logged and the event still delivered.
		 * @param refresh the refresh, given the event it precedes
		 * @return this builder
		 */
		public Builder refresh(Function<McpEvent, Mono<Void>> refresh) {
			this.refresh = Objects.requireNonNull(refresh, "refresh");
			return this;
		}

		/**
		 * Set the notifications of the answers to the server's requests, published among
		 * the stream's events while they are subscribed to, whatever the state of the
		 * listen connection.
		 * @param answers the notifications
		 * @return this builder
		 */
		public Builder answers(McpAnswerNotifications answers) {
			this.answers = Objects.requireNonNull(answers, "answers");
			return this;
		}

		/**
		 * Build the stream; it opens when its events are subscribed to.
		 * @return the stream
		 */
		public McpListenStream build() {
			return new McpListenStream(this);
		}

	}

}
