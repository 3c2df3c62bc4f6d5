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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.HeaderValues;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpStreamException;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.ReconnectingEventStream;
import io.github.cloudrunmcp.stream.SseEvent;
import io.github.cloudrunmcp.stream.SseRequest;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.stream.StreamStatusTable;
import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpTransportSessionClosedException;
import io.modelcontextprotocol.spec.McpTransportSessionNotFoundException;
import io.modelcontextprotocol.spec.ProtocolVersions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The MCP Streamable HTTP transport (spec revision 2025-11-25) for the official MCP Java
 * SDK, on a {@link WebClient}: the application's, so that every request carries the ID
 * token of the server's audience.
 *
 * <p>
 * What it adds to the SDK's own transports, which reconnect a broken stream once at most:
 * <ul>
 * <li>The GET stream that carries the server's notifications is reopened whenever it ends
 * (a clean close, as Cloud Run does at every request timeout; a reset; a silence longer
 * than the read timeout; a 5xx or 409), after the server's {@code retry:} delay or a
 * backoff with jitter, with {@code Last-Event-ID} so that a server that keeps history
 * resumes with no gap.</li>
 * <li>A POST whose SSE response ends before the response arrived is resumed with GET and
 * {@code Last-Event-ID} (SEP-1699), and the response is delivered from the resumed
 * stream; when it cannot be resumed the pending request fails at once with a JSON-RPC
 * error instead of waiting for its timeout.</li>
 * <li>Events replayed twice (a server may replay across streams) are delivered once.</li>
 * <li>{@code 404} (or {@code 400}) to a request that carried a session ID ends the
 * session: the SDK initializes a new one. {@code DELETE} ends the session on close.</li>
 * <li>Every notification and request from the server is also an {@link McpEvent} for the
 * server's event stream ({@link McpEventSource}).</li>
 * </ul>
 */
public final class ResumableStreamableHttpTransport implements McpClientTransport, McpEventSource {

	private static final Log logger = LogFactory.getLog(ResumableStreamableHttpTransport.class);

	private static final List<String> PROTOCOL_VERSIONS = List.of(ProtocolVersions.MCP_2024_11_05,
			ProtocolVersions.MCP_2025_03_26, ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);

	private static final int SEEN_EVENT_IDS = 4096;

	private static final int EVENT_QUEUE = 4096;

	private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(5);

	private static final int SNIPPET = 200;

	private static final int MAX_RESUMPTIONS = 100;

	private static final String LOCATION_HINT = "Check base-url and mcp-path (default /mcp); if the server sends a "
			+ "plain event stream, set its transport to events.";

	/** JSON-RPC error code for a response that the transport could not obtain. */
	public static final int RESPONSE_LOST = -32001;

	private final String server;

	private final URI endpoint;

	private final WebClient client;

	private final McpJsonMapper jsonMapper;

	private final ObjectMapper eventMapper;

	private final StreamSettings settings;

	private final AtomicReference<Session> session = new AtomicReference<>(new Session());

	private final EventBacklog events;

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	private final AtomicLong unusableHeaders = new AtomicLong();

	private volatile @Nullable Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler;

	private volatile @Nullable Consumer<Throwable> exceptionHandler;

	private volatile @Nullable String protocolVersion;

	private volatile boolean closed;

	/**
	 * Create a transport.
	 * @param server the server's name, carried by its events
	 * @param endpoint the server's MCP endpoint ({@code <base-url>/mcp})
	 * @param client the client to send with, carrying the ID-token filter where needed
	 * @param jsonMapper the mapper for JSON-RPC messages
	 * @param eventMapper the mapper for the events' JSON access
	 * @param settings the stream settings: reconnect, read timeout, maximum event size
	 */
	public ResumableStreamableHttpTransport(String server, URI endpoint, WebClient client, McpJsonMapper jsonMapper,
			ObjectMapper eventMapper, StreamSettings settings) {
		this.server = Objects.requireNonNull(server, "server");
		this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
		this.client = Objects.requireNonNull(client, "client");
		this.jsonMapper = Objects.requireNonNull(jsonMapper, "jsonMapper");
		this.eventMapper = Objects.requireNonNull(eventMapper, "eventMapper");
		this.settings = Objects.requireNonNull(settings, "settings");
		// As many bytes as the event stream's own buffer may hold: stream.buffer events
		// of the largest size.
		this.events = new EventBacklog(EVENT_QUEUE, (long) settings.buffer() * settings.maxEventSize());
		status(McpStreamStatus.State.NEW, 0, null, null);
	}

	/**
	 * Return the MCP endpoint.
	 * @return the endpoint
	 */
	public URI endpoint() {
		return this.endpoint;
	}

	/**
	 * Return the current session's ID, or {@code null} before initialization or when the
	 * server does not use sessions.
	 * @return the session ID
	 */
	public @Nullable String sessionId() {
		return currentSession().id;
	}

	/**
	 * Return the protocol version negotiated in the last {@code initialize}, or
	 * {@code null} before it.
	 * @return the protocol version
	 */
	public @Nullable String protocolVersion() {
		return this.protocolVersion;
	}

	/**
	 * Return how many events were dropped because the event stream's consumers fell
	 * behind by more than 4096 events or by more than {@code stream.buffer} ×
	 * {@code stream.max-event-size} bytes of data.
	 * @return the count
	 */
	public long droppedEvents() {
		return this.events.dropped();
	}

	/**
	 * Return how many session IDs and protocol versions the server sent that cannot be
	 * sent back in a header, and were therefore refused.
	 * @return the count
	 */
	public long unusableHeaders() {
		return this.unusableHeaders.get();
	}

	/**
	 * Report that initializing a session failed and will be retried, so that the status
	 * (and health) say the server is unreachable.
	 * @param cause why it failed
	 * @param failures how many attempts failed in a row
	 */
	public void initializationFailed(Throwable cause, long failures) {
		status(McpStreamStatus.State.RECONNECTING, (int) Math.min(Integer.MAX_VALUE, failures + 1), null, cause);
	}

	/**
	 * Return how many exchanges of the current session are in progress: requests awaiting
	 * their response streams, resumptions, the notification stream.
	 * @return the count
	 */
	public int activeExchanges() {
		return currentSession().connections.size();
	}

	@Override
	public List<String> protocolVersions() {
		return PROTOCOL_VERSIONS;
	}

	@Override
	public Flux<McpEvent> events() {
		return this.events.events();
	}

	@Override
	public Flux<McpStreamStatus> statusChanges() {
		return this.statuses.asFlux();
	}

	@Override
	public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
		return Mono.fromRunnable(() -> {
			this.handler = handler;
			status(McpStreamStatus.State.CONNECTING, 0, null, null);
		});
	}

	@Override
	public void setExceptionHandler(Consumer<Throwable> handler) {
		this.exceptionHandler = handler;
	}

	@Override
	public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
		return this.jsonMapper.convertValue(data, typeRef);
	}

	@Override
	public Mono<Void> sendMessage(JSONRPCMessage message) {
		return Mono.deferContextual((context) -> {
			if (this.closed) {
				return Mono.error(new McpTransportSessionClosedException());
			}
			Session current = currentSession();
			if (isInitialize(message) && (current.id != null || current.initializeId != null)) {
				// A new initialize (a retry, a renewal) starts a new session, never on an
				// old ID.
				current = renew(current);
			}
			Session target = current;
			String body;
			try {
				body = this.jsonMapper.writeValueAsString(message);
			}
			catch (IOException ex) {
				return Mono.error(new McpProtocolException("Cannot write " + message + " as JSON", 0, ex));
			}
			@Nullable Object requestId = (message instanceof McpSchema.JSONRPCRequest request) ? request.id() : null;
			if (message instanceof McpSchema.JSONRPCRequest request) {
				target.pending.add(request.id());
				if (McpSchema.METHOD_INITIALIZE.equals(request.method())) {
					target.initializeId = request.id();
				}
			}
			String version = isInitialize(message) ? null : version(context);
			return Mono.<Void>create((sink) -> {
				Delivery delivered = new Delivery(sink);
				String sentSessionId = target.id;
				if (!track(target,
						post(target, sentSessionId, body, version, requestId, delivered).contextWrite(context),
						(ex) -> failed(target, requestId, delivered, ex))) {
					delivered.error(new McpTransportSessionClosedException());
				}
			}).doOnSuccess((ignored) -> {
				if (message instanceof McpSchema.JSONRPCNotification notification
						&& McpSchema.METHOD_NOTIFICATION_INITIALIZED.equals(notification.method())) {
					openNotificationStream(target);
				}
			});
		});
	}

	/**
	 * Return the current session; the reference starts with one and is only ever replaced
	 * by another.
	 */
	private Session currentSession() {
		return Objects.requireNonNull(this.session.get(), "session");
	}

	private static boolean isInitialize(JSONRPCMessage message) {
		return message instanceof McpSchema.JSONRPCRequest request
				&& McpSchema.METHOD_INITIALIZE.equals(request.method());
	}

	/**
	 * Replace a session that a new initialize leaves behind, ending it on the server in
	 * the background.
	 */
	private Session renew(Session old) {
		Session fresh = new Session();
		if (!this.session.compareAndSet(old, fresh)) {
			return currentSession();
		}
		old.dispose();
		String oldId = old.id;
		if (oldId != null) {
			delete(oldId).subscribe();
		}
		return fresh;
	}

	private @Nullable String version(ContextView context) {
		String negotiated = context.getOrDefault(McpAsyncClient.NEGOTIATED_PROTOCOL_VERSION, null);
		return (negotiated != null && HeaderValues.isSendable(negotiated)) ? negotiated : this.protocolVersion;
	}

	private Flux<Void> post(Session current, @Nullable String sentSessionId, String body, @Nullable String version,
			@Nullable Object requestId, Delivery delivered) {
		Sinks.Empty<Void> answered = Sinks.empty();
		Flux<Void> exchange = this.client.post().uri(this.endpoint).headers((headers) -> {
			headers.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM));
			headers.setContentType(MediaType.APPLICATION_JSON);
			if (sentSessionId != null) {
				headers.set(HttpHeaders.MCP_SESSION_ID, sentSessionId);
			}
			if (version != null) {
				headers.set(HttpHeaders.PROTOCOL_VERSION, version);
			}
		}).bodyValue(body).exchangeToFlux((response) -> {
			answered.tryEmitEmpty();
			return postResponse(current, sentSessionId, response, requestId, delivered);
		});
		if (requestId != null) {
			// A request's wait is bounded by the client's request-timeout: a server may
			// answer a long call with JSON only once it is done.
			return exchange;
		}
		// A notification or a response is answered with 202 at once: a server that
		// accepts it and never answers does not hold the sender forever.
		Duration timeout = this.settings.responseTimeout();
		return exchange.mergeWith(
				Mono.delay(timeout)
					.<Void>flatMap((tick) -> Mono.error(new McpProtocolException(
							"Server '" + this.server + "' sent no response headers to POST " + this.endpoint
									+ " within " + timeout.toMillis() + " ms (cloudrun.mcp.stream.response-timeout).",
							0, null)))
					.takeUntilOther(answered.asMono()));
	}

	private Flux<Void> postResponse(Session current, @Nullable String sentSessionId, ClientResponse response,
			@Nullable Object requestId, Delivery delivered) {
		int code = response.statusCode().value();
		if (code < 200 || code >= 300) {
			return response.bodyToMono(String.class)
				.defaultIfEmpty("")
				.flatMapMany((text) -> Flux.error(statusError(sentSessionId, "POST", code, text)));
		}
		String sessionId = response.headers().asHttpHeaders().getFirst(HttpHeaders.MCP_SESSION_ID);
		if (sessionId != null && current.id == null) {
			if (!HeaderValues.isEchoable(sessionId)) {
				// Every later request would carry it and fail before it is sent.
				this.unusableHeaders.incrementAndGet();
				return response.releaseBody()
					.thenMany(Flux.error(new McpProtocolException("Server '" + this.server + "' answered POST "
							+ this.endpoint + " with an " + HttpHeaders.MCP_SESSION_ID
							+ " that cannot be sent back in a header (control characters, non-ASCII, or surrounding "
							+ "spaces); the session cannot be used. Fix the server's session IDs.", code, null)));
			}
			current.id = sessionId;
		}
		MediaType contentType = response.headers().contentType().orElse(null);
		if (code == 202 || contentType == null || requestId == null) {
			delivered.success();
			return response.releaseBody().thenMany(Flux.empty());
		}
		if (MediaType.TEXT_EVENT_STREAM.isCompatibleWith(contentType)) {
			delivered.success();
			return responseStream(current, response, requestId);
		}
		if (MediaType.APPLICATION_JSON.isCompatibleWith(contentType)) {
			delivered.success();
			return response.bodyToMono(String.class).defaultIfEmpty("").doOnNext((json) -> {
				if (!inbound(current, null, json, null)) {
					respondWithError(requestId, "Server '" + this.server + "' answered POST " + this.endpoint
							+ " with a body that is not a JSON-RPC message: " + snippet(json));
				}
			}).thenMany(Flux.empty());
		}
		return response.releaseBody()
			.thenMany(Flux.error(new McpProtocolException(
					"Server '" + this.server + "' answered POST " + this.endpoint + " with content type " + contentType
							+ ", neither application/json nor text/event-stream. Check its base-url and mcp-path.",
					code, null)));
	}

	private void failed(Session current, @Nullable Object requestId, Delivery delivered, Throwable ex) {
		// The sink ignores a second signal: an error before delivery fails the send, one
		// after it fails the pending request.
		boolean wasDelivered = delivered.done;
		if (!wasDelivered && requestId != null) {
			current.pending.remove(requestId);
		}
		delivered.error(ex);
		if (ex instanceof McpTransportSessionNotFoundException) {
			// After the caller has its error: the SDK then fails what else is pending.
			sessionLost(current, "a request answered 404 or 400");
			return;
		}
		if (wasDelivered && requestId != null && !this.closed && currentSession() == current) {
			respondWithError(requestId, "The response stream from server '" + this.server + "' failed: " + ex);
		}
	}

	private RuntimeException statusError(@Nullable String sentSessionId, String method, int code, String body) {
		if ((code == 404 || code == 400) && sentSessionId != null) {
			return sessionNotFound(method, code);
		}
		McpStreamException refusal = StreamStatusTable.refusal(
				"Server '" + this.server + "' answered " + method + " " + this.endpoint, code, null, body,
				LOCATION_HINT, false);
		return new McpProtocolException(refusal.getMessage(), code, null);
	}

	private McpTransportSessionNotFoundException sessionNotFound(String method, int code) {
		return new McpTransportSessionNotFoundException(sessionNotFoundMessage(method, code));
	}

	private String sessionNotFoundMessage(String method, int code) {
		return "Server '" + this.server + "' no longer knows the MCP session (" + method + " answered " + code
				+ "); a new session is being initialized, retry the call.";
	}

	private void sessionLost(Session lost, String reason) {
		if (this.session.compareAndSet(lost, new Session())) {
			// No session ID in the message: it is the server's credential for the
			// session.
			logger.warn("MCP server '" + this.server + "' no longer knows the session (" + PrintableText.of(reason)
					+ "); starting a new session.");
			lost.dispose();
			// The calls in flight learn why before the SDK ends the old session.
			for (Object requestId : lost.pending) {
				respondWithError(requestId, "Server '" + this.server + "' no longer knows the MCP session ("
						+ PrintableText.of(reason) + "); a new session is being initialized, retry the call.");
			}
			lost.pending.clear();
			Consumer<Throwable> exceptions = this.exceptionHandler;
			if (exceptions != null) {
				// The SDK starts a new session from here, which draws random numbers: not
				// on
				// a Netty thread.
				McpTransportSessionNotFoundException notFound = new McpTransportSessionNotFoundException(
						"The session of server '" + this.server + "' was not found");
				Schedulers.boundedElastic().schedule(() -> exceptions.accept(notFound));
			}
		}
	}

	/**
	 * Read the SSE response to a request and hand its messages on; when it ends before
	 * the request's response arrived, resume it with {@code GET} and
	 * {@code Last-Event-ID} (SEP-1699) on the stream engine, until the response arrives,
	 * the request is no longer awaited, or resuming fails, which fails the request at
	 * once.
	 */
	private Flux<Void> responseStream(Session current, ClientResponse response, Object requestId) {
		StreamState stream = new StreamState(requestId);
		int maxAttempts = this.settings.reconnect().maxAttempts();
		ReconnectingEventStream engine = ReconnectingEventStream.builder(this.client, this.settings)
			.name(this.server)
			.request((attempt) -> streamRequest(current))
			.locationHint(LOCATION_HINT)
			.requireResumeId(true)
			.maxAttempts((maxAttempts > 0) ? maxAttempts : 10)
			// A resumption that made progress or closed cleanly starts the count over, up
			// to a bound, so that a server that never answers cannot keep it going.
			.maxConnections(MAX_RESUMPTIONS + 1)
			.continueWhile(() -> stillAwaited(current, stream))
			.refusals((refused) -> refusedResumption(current, refused))
			.build();
		return engine.events(response)
			.doOnNext((event) -> deliver(current, stream, event))
			// Only needed until its response arrives.
			.takeUntilOther(stream.answered.asMono())
			.onErrorResume((ex) -> {
				if (stillAwaited(current, stream)) {
					respondWithError(requestId, resumptionFailed(requestId, engine, ex));
				}
				return Flux.empty();
			})
			.thenMany(Flux.empty());
	}

	private String resumptionFailed(Object requestId, ReconnectingEventStream engine, Throwable ex) {
		if (engine.lastEventId().isEmpty() && engine.connections() <= 1) {
			return "Server '" + this.server + "' ended the response stream of request " + requestId
					+ " before answering, without an event ID to resume from; the request may be retried.";
		}
		if (ex instanceof McpStreamException refusal && refusal.getStatus() == 405) {
			return "Server '" + this.server + "' offers no GET stream at " + this.endpoint
					+ ", so the response stream of request " + requestId + " cannot be resumed; the request may be "
					+ "retried.";
		}
		return "Server '" + this.server + "' did not resume the response stream of request " + requestId + ": "
				+ ex.getMessage() + " The request may be retried.";
	}

	/**
	 * The request of the notification stream and of resumptions: {@code GET} with the
	 * session's ID and protocol version as they are now.
	 */
	private SseRequest streamRequest(Session current) {
		return SseRequest.get(this.endpoint)
			.header(HttpHeaders.MCP_SESSION_ID, current.id)
			.header(HttpHeaders.PROTOCOL_VERSION, this.protocolVersion);
	}

	/**
	 * Read a refused {@code GET}: a session the server no longer knows ends the session
	 * (the SDK starts a new one); the rest is the status table's.
	 */
	private @Nullable McpStreamException refusedResumption(Session current, ReconnectingEventStream.Refused refused) {
		String sentSessionId = refused.request().headers().get(HttpHeaders.MCP_SESSION_ID);
		int code = refused.status();
		if ((code == 404 || code == 400) && sentSessionId != null) {
			sessionLost(current, "GET answered " + code);
			return new McpStreamException(sessionNotFoundMessage("GET", code), code, false, null);
		}
		return null;
	}

	private void deliver(Session current, @Nullable StreamState stream, SseEvent event) {
		String id = event.id();
		if (event.ownId() && id != null && !current.firstSight(id, event.data())) {
			// Replayed a second time (servers may replay across streams): delivered once.
			return;
		}
		if (!"message".equals(event.type()) || event.data().isBlank()) {
			// A priming event (empty data) only carries an ID to resume from.
			return;
		}
		if (!inbound(current, id, event.data(), stream)) {
			logger.error("MCP server '" + this.server + "' sent an event that is not a JSON-RPC message (event ID '"
					+ PrintableText.of(id) + "'); skipped: " + snippet(event.data()));
		}
	}

	/**
	 * Hand a message from the server to the SDK and, for notifications and requests, to
	 * the event stream.
	 * @return whether the text was a JSON-RPC message
	 */
	private boolean inbound(Session current, @Nullable String eventId, String text, @Nullable StreamState stream) {
		JSONRPCMessage message;
		try {
			message = McpSchema.deserializeJsonRpcMessage(this.jsonMapper, text);
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
		if (message instanceof McpSchema.JSONRPCResponse response) {
			current.pending.remove(response.id());
			if (current.initializeId != null && current.initializeId.equals(response.id())) {
				negotiated(current, response);
			}
			if (stream != null && stream.requestId != null && stream.requestId.equals(response.id())) {
				stream.answer();
			}
		}
		else {
			publish(eventId, text);
		}
		handle(message);
		return true;
	}

	private void negotiated(Session current, McpSchema.JSONRPCResponse response) {
		if (response.result() instanceof Map<?, ?> result && result.get("protocolVersion") instanceof String version) {
			if (!HeaderValues.isSendable(version)) {
				// Kept, it would make every request unbuildable; the SDK refuses a
				// version it does not know anyway.
				this.unusableHeaders.incrementAndGet();
				logger.warn("MCP server '" + this.server + "' negotiated a protocol version that cannot be sent "
						+ "in a header; ignored.");
				return;
			}
			this.protocolVersion = version;
			status(McpStreamStatus.State.OPEN, 0, null, null);
			if (logger.isDebugEnabled()) {
				logger.debug("MCP server '" + this.server + "' initialized a session with protocol "
						+ PrintableText.of(version));
			}
		}
	}

	private void publish(@Nullable String eventId, String text) {
		if (!this.events.hasSubscribers()) {
			// No event stream reads this session (cloudrun.mcp.stream.enabled=false).
			return;
		}
		McpEvent event = McpEvent.ofJsonRpc(this.server, eventId, text, this.eventMapper);
		if (!this.events.offer(event)) {
			long dropped = this.events.dropped();
			if (dropped == 1 || dropped % 1000 == 0) {
				logger.warn("Listeners of MCP server '" + this.server + "' fell more than " + this.events.bounds()
						+ " behind; dropped " + dropped + " event(s) so far. Speed up the @McpListener methods.");
			}
		}
	}

	private void handle(JSONRPCMessage message) {
		Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> target = this.handler;
		if (target == null) {
			logger.warn("MCP server '" + this.server + "' sent a message before the client connected; dropped.");
			return;
		}
		target.apply(Mono.just(message))
			.subscribe(null,
					(ex) -> logger.error("Handling a message from MCP server '" + this.server + "' failed", ex));
	}

	private void respondWithError(Object requestId, String reason) {
		currentSession().pending.remove(requestId);
		logger.warn(reason);
		handle(new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, requestId, null,
				new McpSchema.JSONRPCResponse.JSONRPCError(RESPONSE_LOST, reason, null)));
	}

	/**
	 * Return whether a request's response is still awaited: not answered on this or any
	 * other stream, nor failed, in a session still current.
	 */
	private boolean stillAwaited(Session current, StreamState stream) {
		Object requestId = stream.requestId;
		return !stream.isAnswered() && !this.closed && currentSession() == current && requestId != null
				&& current.pending.contains(requestId);
	}

	private void openNotificationStream(Session current) {
		if (!current.notificationStream.compareAndSet(false, true)) {
			return;
		}
		ReconnectingEventStream engine = ReconnectingEventStream.builder(this.client, this.settings)
			.name(this.server)
			.request((attempt) -> streamRequest(current))
			.locationHint(LOCATION_HINT)
			.continueWhile(() -> !this.closed && currentSession() == current)
			.refusals((refused) -> {
				if (refused.status() == 405) {
					// The server offers no GET stream: its messages come in POST
					// responses only.
					return new McpStreamException("No GET stream", 405, false, null);
				}
				return refusedResumption(current, refused);
			})
			.onStatus((next) -> notificationStatus(current, next))
			.build();
		Flux<Void> stream = engine.events().doOnNext((event) -> deliver(current, null, event)).thenMany(Flux.empty());
		track(current, stream, (ex) -> {
			if (logger.isDebugEnabled()) {
				logger.debug("The notification stream of MCP server '" + this.server + "' ended", ex);
			}
		});
	}

	private void notificationStatus(Session current, McpStreamStatus next) {
		if (this.closed || currentSession() != current) {
			return;
		}
		Throwable cause = next.cause();
		if (next.state() == McpStreamStatus.State.FAILED) {
			if (cause instanceof McpStreamException refusal && refusal.getStatus() == 405) {
				status(McpStreamStatus.State.OPEN, 0, null, null);
				return;
			}
			logger.error("MCP server '" + this.server + "': the notification stream stopped: "
					+ ((cause != null) ? PrintableText.of(cause.getMessage()) : "unknown cause"));
		}
		if (next.state() == McpStreamStatus.State.CONNECTING) {
			// The session is open; a GET on its way is no news.
			return;
		}
		status(next.state(), next.attempt(), next.nextDelay(), cause);
	}

	/**
	 * Run some work of a session: disposed with the session, forgotten when it ends.
	 */
	private static boolean track(Session current, Flux<Void> work, Consumer<Throwable> onError) {
		if (current.connections.isDisposed()) {
			return false;
		}
		AtomicReference<Disposable> self = new AtomicReference<>();
		Disposable subscription = work
			// Disposed with its session: whoever waits for it hears why.
			.doOnCancel(() -> onError.accept(new McpTransportSessionClosedException()))
			.doFinally((signal) -> {
				Disposable done = self.get();
				if (done != null) {
					current.connections.remove(done);
				}
			})
			.subscribe(null, onError);
		self.set(subscription);
		if (!current.connections.add(subscription)) {
			return false;
		}
		if (subscription.isDisposed()) {
			current.connections.remove(subscription);
		}
		return true;
	}

	@Override
	public Mono<Void> closeGracefully() {
		return Mono.defer(() -> {
			this.closed = true;
			Session current = this.session.getAndSet(new Session());
			String id = current.id;
			Mono<Void> delete = (id != null) ? delete(id) : Mono.empty();
			return delete.doFinally((signal) -> {
				current.dispose();
				status(McpStreamStatus.State.CLOSED, 0, null, null);
			});
		});
	}

	private Mono<Void> delete(String sessionId) {
		String version = this.protocolVersion;
		return this.client.delete().uri(this.endpoint).headers((headers) -> {
			headers.set(HttpHeaders.MCP_SESSION_ID, sessionId);
			if (version != null) {
				headers.set(HttpHeaders.PROTOCOL_VERSION, version);
			}
		}).exchangeToMono((response) -> {
			int code = response.statusCode().value();
			if (code >= 400 && code != 404 && code != 405 && logger.isInfoEnabled()) {
				logger.info("MCP server '" + this.server + "' answered the DELETE of its session with " + code);
			}
			return response.releaseBody();
		}).timeout(DELETE_TIMEOUT).onErrorResume((ex) -> {
			if (logger.isDebugEnabled()) {
				logger.debug("Ending the MCP session of server '" + this.server + "' failed", ex);
			}
			return Mono.empty();
		});
	}

	private void status(McpStreamStatus.State state, int attempt, @Nullable Duration nextDelay,
			@Nullable Throwable cause) {
		synchronized (this.statuses) {
			this.statuses.tryEmitNext(new McpStreamStatus(state, attempt, nextDelay, cause, Instant.now()));
		}
	}

	private static String snippet(String text) {
		return PrintableText.of(text.strip(), SNIPPET);
	}

	@Override
	public String toString() {
		return "ResumableStreamableHttpTransport[" + this.server + " " + this.endpoint + "]";
	}

	/**
	 * The outcome of sending one message: success once the server took it; an error
	 * before that fails the send.
	 */
	private static final class Delivery {

		private final MonoSink<Void> sink;

		private volatile boolean done;

		Delivery(MonoSink<Void> sink) {
			this.sink = sink;
		}

		void success() {
			this.done = true;
			this.sink.success();
		}

		void error(Throwable ex) {
			if (!this.done) {
				this.done = true;
				this.sink.error(ex);
			}
		}

	}

	/**
	 * One MCP session: its ID, its open connections, and the event IDs already seen.
	 */
	private static final class Session {

		private volatile @Nullable String id;

		private volatile @Nullable Object initializeId;

		private final Disposable.Composite connections = Disposables.composite();

		private final AtomicBoolean notificationStream = new AtomicBoolean();

		private final Set<Object> pending = ConcurrentHashMap.newKeySet();

		private final Map<String, Boolean> seen = new LinkedHashMap<>(64, 0.75f, false) {

			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
				return size() > SEEN_EVENT_IDS;
			}

		};

		/**
		 * Record an event ID.
		 * @return whether it is the first time the ID is seen in this session
		 */
		boolean firstSight(String eventId, String data) {
			// Keyed by content too: some servers give every event of a session the same
			// ID.
			String key = eventId + '\u0000' + data.length() + '\u0000' + data.hashCode();
			synchronized (this.seen) {
				return this.seen.put(key, Boolean.TRUE) == null;
			}
		}

		void dispose() {
			this.connections.dispose();
		}

	}

	/**
	 * One logical SSE stream: the notification stream (no request) or the response stream
	 * of one request, across the connections that resume it.
	 */
	private static final class StreamState {

		private final @Nullable Object requestId;

		private final Sinks.Empty<Void> answered = Sinks.empty();

		private final AtomicBoolean answeredFlag = new AtomicBoolean();

		StreamState(@Nullable Object requestId) {
			this.requestId = requestId;
		}

		boolean isAnswered() {
			return this.answeredFlag.get();
		}

		void answer() {
			if (this.answeredFlag.compareAndSet(false, true)) {
				this.answered.tryEmitEmpty();
			}
		}

	}

}
