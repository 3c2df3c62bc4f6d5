package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.cloudrunmcp.sse.SseEventParser;
import io.github.cloudrunmcp.sse.SseEventTooLargeException;
import io.github.cloudrunmcp.text.PrintableText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The stream engine: one logical Server-Sent-Events stream over as many HTTP connections
 * as it takes. Every long-lived stream of the library runs on it (the {@code events}
 * transport, the 2025-11-25 GET stream, the resumption of POST response streams and the
 * 2026-07-28 {@code subscriptions/listen} stream).
 *
 * <p>
 * Subscribing to {@link #events()} opens the first connection with the request that the
 * {@linkplain Builder#request(Function) request function} returns; each later connection
 * asks the function again, so headers that change (a session ID) are current. While
 * subscribed, the engine:
 * <ul>
 * <li>parses the body on the network thread as it arrives, emitting {@link SseEvent}s in
 * order, with back-pressure reaching the socket (a chunk is read only when the previous
 * chunk's events were requested);</li>
 * <li>reopens the stream when it ends: a clean close (Cloud Run's request timeout), a
 * reset, a silence longer than {@link StreamSettings#readTimeout()}, headers that do not
 * come within {@link StreamSettings#responseTimeout()}, or a retryable status of
 * {@link StreamStatusTable}; after the wait of
 * {@link StreamSettings.Reconnect#delay(int, Duration, Duration, boolean)} (backoff with
 * jitter, the server's {@code retry:} and {@code Retry-After}, both held within fixed
 * bounds);</li>
 * <li>sends {@code Last-Event-ID} with the ID of the last event that left the engine
 * (unless {@linkplain Builder#resumable(boolean) not resumable}), keeping only IDs that
 * can be sent as a header ({@link HeaderValues}); others are ignored and counted in
 * {@link #ignoredIds()};</li>
 * <li>ends, with an error, on a status that retrying cannot fix, after
 * {@link StreamSettings.Reconnect#maxAttempts()} consecutive failures (or
 * {@link Builder#maxAttempts(int)}), or when it cannot build the request; completes on
 * 204, when {@link Builder#continueWhile(BooleanSupplier)} says so, or when the
 * subscriber cancels (which closes the connection).</li>
 * </ul>
 * Statuses ({@code CONNECTING}, {@code OPEN}, {@code RECONNECTING}, {@code CLOSED},
 * {@code FAILED}) go to {@link Builder#onStatus(Consumer)}. Each opened connection is
 * reported to {@link Builder#onOpen(Function)} before its first event, with whether it
 * resumed: a stream that cannot resume (the 2026-07-28 listen stream) uses that to emit a
 * resync event of its own first.
 *
 * <p>
 * The engine keeps its resume point and the server's {@code retry:} across subscriptions:
 * subscribing again (a restart) resumes where the last subscription stopped. One
 * subscription at a time.
 */
public final class ReconnectingEventStream {

	private static final Log logger = LogFactory.getLog(ReconnectingEventStream.class);

	private static final int ERROR_BODY_BYTES = 4096;

	private static final String LAST_EVENT_ID = "Last-Event-ID";

	private final String name;

	private final WebClient client;

	private final StreamSettings settings;

	private final Function<Attempt, SseRequest> request;

	private final Function<Refused, @Nullable McpStreamException> refusals;

	private final String locationHint;

	private final boolean resumable;

	private final int maxAttempts;

	private final long maxConnections;

	private final boolean startWithBackoff;

	private final boolean requireResumeId;

	private final BooleanSupplier continueWhile;

	private final Consumer<McpStreamStatus> onStatus;

	private final Function<Opened, @Nullable SseEvent> onOpen;

	private final Function<SseEvent, @Nullable McpStreamException> failWhen;

	private final Consumer<SseEvent> onParsed;

	private final @Nullable Duration firstEventTimeout;

	private final AtomicLong connections = new AtomicLong();

	private volatile Sinks.One<Boolean> cut = Sinks.one();

	private final AtomicLong ignoredIds = new AtomicLong();

	private final FailureStreak failures = new FailureStreak(logger, FailureStreak.QUIET_ATTEMPTS,
			Clock.systemDefaultZone());

	private volatile String lastEventId;

	private volatile @Nullable Duration serverRetry;

	private ReconnectingEventStream(Builder builder) {
		this.name = builder.name;
		this.client = builder.client;
		this.settings = builder.settings;
		this.request = Objects.requireNonNull(builder.request, "request");
		this.refusals = builder.refusals;
		this.locationHint = builder.locationHint;
		this.resumable = builder.resumable;
		this.maxAttempts = (builder.maxAttempts >= 0) ? builder.maxAttempts
				: builder.settings.reconnect().maxAttempts();
		this.maxConnections = builder.maxConnections;
		this.startWithBackoff = builder.startWithBackoff;
		this.requireResumeId = builder.requireResumeId;
		this.continueWhile = builder.continueWhile;
		this.onStatus = builder.onStatus;
		this.onOpen = builder.onOpen;
		this.failWhen = builder.failWhen;
		this.onParsed = builder.onParsed;
		this.firstEventTimeout = builder.firstEventTimeout;
		this.lastEventId = HeaderValues.isSendable(builder.lastEventId) ? builder.lastEventId : "";
		this.serverRetry = builder.serverRetry;
	}

	/**
	 * Start building an engine.
	 * @param client the client to connect with (carrying the ID-token filter where
	 * needed)
	 * @param settings the settings: maximum event size, read and response timeouts,
	 * reconnect backoff
	 * @return the builder
	 */
	public static Builder builder(WebClient client, StreamSettings settings) {
		return new Builder(client, settings);
	}

	/**
	 * Return the stream's events: cold, each subscription runs the stream until it ends
	 * or is cancelled.
	 * @return the events
	 */
	public Flux<SseEvent> events() {
		return run(null, Shape.EVENTS);
	}

	/**
	 * Return the stream's events a network buffer at a time: each list holds the events
	 * that one buffer completed, in order, emitted as the network delivers the buffer. A
	 * list counts as delivered, for the resume point, once emitted: a consumer that hands
	 * whole buffers on pays one hand-off per buffer rather than one per event. Otherwise
	 * as {@link #events()}.
	 * @return the events, in non-empty lists
	 */
	public Flux<List<SseEvent>> batches() {
		return run(null, Shape.BATCHES);
	}

	/**
	 * Return the stream's events, the first connection being a response already open (the
	 * SSE response to a {@code POST}), the next ones those of the request function: the
	 * resumption of a response stream.
	 * @param first the open response: status 200 and {@code text/event-stream}
	 * @return the events
	 */
	public Flux<SseEvent> events(ClientResponse first) {
		return run(Objects.requireNonNull(first, "first"), Shape.EVENTS);
	}

	private <T> Flux<T> run(@Nullable ClientResponse first, Shape<T> shape) {
		return Flux.defer(() -> {
			Run run = new Run();
			return Flux.defer(() -> next(run, first, shape))
				.repeat(() -> !run.done)
				.concatWith(Flux.defer(() -> (run.failure != null) ? Flux.error(run.failure) : Flux.empty()));
		});
	}

	/**
	 * Return the ID the next connection resumes from.
	 * @return the last event ID, or the empty string
	 */
	public String lastEventId() {
		return this.lastEventId;
	}

	/**
	 * Return how many connections were attempted since the engine was built.
	 * @return the count
	 */
	public long connections() {
		return this.connections.get();
	}

	/**
	 * Return how many event IDs were ignored because they cannot be sent back as
	 * {@code Last-Event-ID}.
	 * @return the count
	 */
	public long ignoredIds() {
		return this.ignoredIds.get();
	}

	private <T> Flux<T> next(Run run, @Nullable ClientResponse first, Shape<T> shape) {
		if (run.connections == 0) {
			if (first != null) {
				run.connections++;
				this.connections.incrementAndGet();
				Connection connection = new Connection(run, this.lastEventId, null);
				connection.headersArrived = true;
				return connection.track(connection.read(first, shape));
			}
			if (!this.startWithBackoff) {
				status(McpStreamStatus.State.CONNECTING, 0, null, null);
				return connect(run, shape);
			}
			run.attempts = 1;
		}
		if (!this.continueWhile.getAsBoolean()) {
			run.done = true;
			return Flux.empty();
		}
		int attempt = run.attempts;
		Throwable ended = run.lastEnd;
		Duration retryAfter = (ended instanceof McpStreamException refusal) ? refusal.getRetryAfter() : null;
		Duration delay = this.settings.reconnect().delay(attempt, this.serverRetry, retryAfter, run.failed);
		status(McpStreamStatus.State.RECONNECTING, attempt, delay, ended);
		return Mono.delay(delay).thenMany(Flux.defer(() -> {
			if (!this.continueWhile.getAsBoolean()) {
				run.done = true;
				return Flux.empty();
			}
			status(McpStreamStatus.State.CONNECTING, attempt, null, ended);
			return connect(run, shape);
		}));
	}

	private <T> Flux<T> connect(Run run, Shape<T> shape) {
		run.connections++;
		this.connections.incrementAndGet();
		String resumeFrom = this.resumable ? this.lastEventId : "";
		SseRequest next;
		try {
			next = this.request.apply(new Attempt(run.connections, run.attempts, resumeFrom));
		}
		catch (RuntimeException ex) {
			return unbuildable(run, ex.getMessage());
		}
		for (Map.Entry<String, String> header : next.headers().entrySet()) {
			if (!HeaderValues.isEchoable(header.getValue())) {
				// Netty would refuse it on every attempt: a loop that can never connect.
				return unbuildable(run, "header " + header.getKey() + " has a value that cannot be sent in HTTP");
			}
		}
		Connection connection = new Connection(run, resumeFrom, next);
		WebClient.RequestBodySpec spec = this.client.method(next.method()).uri(next.uri()).headers((headers) -> {
			if (!next.headers().containsKey(HttpHeaders.ACCEPT)) {
				headers.setAccept(List.of(MediaType.TEXT_EVENT_STREAM));
			}
			headers.setCacheControl("no-cache");
			next.headers().forEach(headers::set);
			if (!resumeFrom.isEmpty()) {
				headers.set(LAST_EVENT_ID, resumeFrom);
			}
		});
		String body = next.body();
		WebClient.RequestHeadersSpec<?> ready = (body != null)
				? spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body) : spec;
		Flux<T> exchange = ready.exchangeToFlux((response) -> connection.open(response, shape));
		// No headers within the response timeout: the attempt failed. takeUntilOther
		// passes events straight through (a merge would queue them, and drop the queue
		// on a reset); once the headers are in, the timer never fires.
		Duration timeout = this.settings.responseTimeout();
		Mono<Long> noHeaders = Mono.delay(timeout)
			.flatMap((tick) -> connection.headersArrived ? Mono.<Long>never() : Mono.just(tick))
			.doOnNext((tick) -> connection.timedOut = true);
		Sinks.One<Boolean> cut = Sinks.one();
		this.cut = cut;
		return connection.track(exchange.takeUntilOther(noHeaders)
			.concatWith(Flux.defer(() -> connection.timedOut ? Flux.error(new McpStreamException(
					"Server '" + this.name + "' sent no response headers to " + next.describe() + " within "
							+ timeout.toMillis() + " ms (cloudrun.mcp.stream.response-timeout); retrying with backoff.",
					0, true, null)) : Flux.empty()))
			.takeUntilOther(cut.asMono()));
	}

	/**
	 * End the current connection, as a clean end: the stream reopens after the backoff's
	 * first wait, with a request the request function builds anew (a listen stream whose
	 * filter changed).
	 */
	public void reconnect() {
		this.cut.tryEmitValue(Boolean.TRUE);
	}

	private <T> Flux<T> unbuildable(Run run, @Nullable String reason) {
		String message = "Stream '" + this.name + "' cannot build its request (" + PrintableText.of(reason) + ")";
		if (!this.lastEventId.isEmpty()) {
			// Whatever made the request unbuildable, the resume ID must not make it loop.
			logger.warn(message + "; dropping the resume ID and trying once more without it.");
			this.lastEventId = "";
			run.attempts++;
			run.failed = true;
			run.lastEnd = new McpStreamException(message, 0, true, null);
			return Flux.empty();
		}
		run.done = true;
		McpStreamException failure = new McpStreamException(message + "; not retrying.", 0, false, null);
		run.failure = failure;
		status(McpStreamStatus.State.FAILED, run.attempts, null, failure);
		return Flux.empty();
	}

	private void ended(Run run, Connection connection) {
		Throwable ended = connection.error;
		if (ended instanceof IllegalArgumentException && !connection.resumedFrom.isEmpty()
				&& connection.resumedFrom.equals(this.lastEventId)) {
			// Refused before anything was sent (a header the client rejects): the resume
			// ID must not make the stream loop on it.
			logger.warn("Stream '" + this.name + "' could not send its request (" + PrintableText.of(ended.getMessage())
					+ "); dropping the resume ID.");
			this.lastEventId = "";
		}
		run.lastEnd = ended;
		if (connection.progress) {
			// A connection that delivered is healthy: the backoff starts over.
			run.attempts = 0;
		}
		int attempt = ++run.attempts;
		// Only a connection that delivered nothing backs off whatever retry: says; one
		// that delivered and then broke waits the server's retry: (held to its floor).
		run.failed = !connection.progress;
		if (ended instanceof McpStreamException refusal && !refusal.isRetryable()) {
			run.done = true;
			boolean closed = refusal.getStatus() == 204;
			if (!closed) {
				run.failure = refusal;
			}
			status(closed ? McpStreamStatus.State.CLOSED : McpStreamStatus.State.FAILED, attempt, null, refusal);
			return;
		}
		if (this.requireResumeId && this.lastEventId.isEmpty()) {
			run.done = true;
			McpStreamException failure = new McpStreamException(
					"Stream '" + this.name + "' ended without an event ID to resume from.", 0, false, null);
			run.failure = failure;
			status(McpStreamStatus.State.FAILED, attempt, null, failure);
			return;
		}
		if (this.maxAttempts > 0 && attempt > this.maxAttempts) {
			run.done = true;
			String message = "Stream '" + this.name + "' gave up after " + this.maxAttempts
					+ " failed attempts (cloudrun.mcp.stream.reconnect.max-attempts)"
					+ ((ended != null) ? ": " + ended.getMessage() : "");
			run.failure = new McpStreamException(message, 0, false, null);
			status(McpStreamStatus.State.FAILED, attempt, null, run.failure);
			return;
		}
		if (this.maxConnections > 0 && run.connections >= this.maxConnections) {
			run.done = true;
			String message = "Stream '" + this.name + "' reached its bound of " + this.maxConnections + " connections.";
			run.failure = new McpStreamException(message, 0, false, null);
			status(McpStreamStatus.State.FAILED, attempt, null, run.failure);
			return;
		}
		if (ended instanceof SseEventTooLargeException) {
			logger.error("Stream '" + this.name + "': " + PrintableText.of(ended.getMessage()));
		}
		else if (ended != null || (!connection.progress && !connection.received)) {
			// INFO for the first failures in a row, then WARN now and then, saying since
			// when: a server failing every second does not flood the log. A connection
			// that ended cleanly before any byte of its body failed too (one that sent
			// only keep-alive comments was a quiet stream).
			String resume = (this.resumable && !this.lastEventId.isEmpty())
					? ", resuming from event ID '" + PrintableText.of(this.lastEventId) + "'" : "";
			this.failures.failed("Stream '" + this.name + "' connection ended "
					+ ((ended != null)
							? "(" + ended.getClass().getSimpleName() + ": " + PrintableText.of(ended.getMessage()) + ")"
							: "before any event")
					+ resume);
		}
	}

	private void status(McpStreamStatus.State state, int attempt, @Nullable Duration nextDelay,
			@Nullable Throwable cause) {
		this.onStatus.accept(new McpStreamStatus(state, attempt, nextDelay, cause, Instant.now()));
	}

	@Override
	public String toString() {
		return "ReconnectingEventStream[" + this.name + "]";
	}

	/**
	 * What the request function knows about the connection it builds a request for.
	 *
	 * @param connection the connection's number in this subscription, from 1
	 * @param failures consecutive failed attempts before this one
	 * @param lastEventId the ID sent as {@code Last-Event-ID}, or the empty string when
	 * none is sent
	 */
	public record Attempt(int connection, int failures, String lastEventId) {
	}

	/**
	 * A response whose status is not 200, for {@link Builder#refusals(Function)}.
	 *
	 * @param request the request
	 * @param status the HTTP status
	 * @param headers the response's headers
	 * @param body up to the first 4 KiB of the body, as text
	 */
	public record Refused(SseRequest request, int status, HttpHeaders headers, String body) {
	}

	/**
	 * A connection that opened (status 200, {@code text/event-stream}).
	 *
	 * @param connection the connection's number in this subscription, from 1
	 * @param reopened whether an earlier connection of this subscription came before it
	 * @param resumedFrom the {@code Last-Event-ID} it sent, or the empty string when it
	 * did not resume
	 * @param headers the response's headers
	 */
	public record Opened(int connection, boolean reopened, String resumedFrom, HttpHeaders headers) {

		/**
		 * Return whether events may have been missed between the previous connection and
		 * this one: it reopened without resuming.
		 * @return whether the consumer should resynchronize
		 */
		public boolean needsResync() {
			return this.reopened && this.resumedFrom.isEmpty();
		}

	}

	/**
	 * State of one subscription.
	 */
	private static final class Run {

		private int connections;

		private int attempts;

		private boolean failed;

		private volatile boolean done;

		private @Nullable Throwable lastEnd;

		private @Nullable McpStreamException failure;

	}

	/**
	 * One HTTP connection: opens the response, decodes its body, knows where to resume.
	 */
	private final class Connection implements SseEventParser.Listener {

		private final Run run;

		private final String resumedFrom;

		private final @Nullable SseRequest request;

		private final SseEventParser parser;

		private final ArrayDeque<String> pendingResumeIds = new ArrayDeque<>();

		private byte[] scratch = new byte[8192];

		private @Nullable List<SseEvent> batch;

		private volatile boolean headersArrived;

		private volatile boolean timedOut;

		private volatile @Nullable Throwable error;

		private volatile boolean progress;

		private boolean recovered;

		private volatile boolean received;

		private @Nullable McpStreamException verdict;

		private String seenId;

		private String resumeId;

		private String lastEmittedResumeId;

		private long parsed;

		private long emitted;

		private boolean finished;

		Connection(Run run, String resumedFrom, @Nullable SseRequest request) {
			this.run = run;
			this.resumedFrom = resumedFrom;
			this.request = request;
			String start = ReconnectingEventStream.this.lastEventId;
			this.seenId = start;
			this.resumeId = start;
			this.lastEmittedResumeId = start;
			this.parser = new SseEventParser(ReconnectingEventStream.this.settings.maxEventSize(), start, this);
		}

		/**
		 * Turn errors into the end of the connection and record where to resume, before
		 * the next connection is decided (on completion) or the subscriber left (on
		 * cancel).
		 */
		<T> Flux<T> track(Flux<T> events) {
			return events.onErrorResume((ex) -> {
				this.error = ex;
				return Flux.empty();
			}).doOnComplete(() -> {
				finish();
				ended(this.run, this);
			}).doOnCancel(this::finish);
		}

		private void finish() {
			if (this.finished) {
				return;
			}
			this.finished = true;
			ReconnectingEventStream.this.lastEventId = resumeFrom();
		}

		<T> Flux<T> open(ClientResponse response, Shape<T> shape) {
			this.headersArrived = true;
			int code = response.statusCode().value();
			SseRequest sent = Objects.requireNonNull(this.request);
			if (code != 200) {
				HttpHeaders headers = response.headers().asHttpHeaders();
				return bodyText(response)
					.flatMapMany((text) -> Flux.error(refusal(new Refused(sent, code, headers, text))));
			}
			MediaType contentType = response.headers().contentType().orElse(null);
			if (contentType != null && MediaType.APPLICATION_JSON.isCompatibleWith(contentType)) {
				// A JSON answer instead of a stream (a JSON-RPC error, or a result at
				// once): its text says why, and the check decides whether to retry.
				return bodyText(response).flatMapMany((text) -> Flux.error(notAStream(sent, code, contentType, text)));
			}
			if (contentType == null || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(contentType)) {
				return response.releaseBody()
					.thenMany(Flux
						.error(new McpStreamException("Server '" + ReconnectingEventStream.this.name + "' answered "
								+ sent.describe() + " with content type " + contentType + ", not text/event-stream. "
								+ ReconnectingEventStream.this.locationHint, code, false, null)));
			}
			return read(response, shape);
		}

		private Mono<String> bodyText(ClientResponse response) {
			return DataBufferUtils
				.join(DataBufferUtils.takeUntilByteCount(response.body(BodyExtractors.toDataBuffers()),
						ERROR_BODY_BYTES))
				.map((buffer) -> {
					String text = buffer.toString(StandardCharsets.UTF_8);
					DataBufferUtils.release(buffer);
					return text;
				})
				.onErrorReturn("")
				.defaultIfEmpty("");
		}

		private McpStreamException notAStream(SseRequest sent, int code, MediaType contentType, String body) {
			ReconnectingEventStream engine = ReconnectingEventStream.this;
			McpStreamException verdict = engine.failWhen.apply(new SseEvent(null, false, McpEvent.DEFAULT_TYPE, body));
			if (verdict != null) {
				return verdict;
			}
			return new McpStreamException("Server '" + engine.name + "' answered " + sent.describe()
					+ " with content type " + contentType + ", not text/event-stream: "
					+ (body.isBlank() ? "(empty body)" : PrintableText.of(body, 300)) + ". " + engine.locationHint,
					code, false, null);
		}

		private McpStreamException refusal(Refused refused) {
			McpStreamException special = ReconnectingEventStream.this.refusals.apply(refused);
			if (special != null) {
				return special;
			}
			if (refused.status() >= 300 && refused.status() < 400 && StreamStatusTable
				.isSameOrigin(refused.request().uri(), refused.headers().getFirst(HttpHeaders.LOCATION))) {
				// A redirect within the origin that reached the stream: the client gave
				// up
				// following a loop (or follows no redirects). A loop may end, so it is
				// retried with backoff; a redirect elsewhere stays a configuration error.
				return new McpStreamException(
						"Server '" + ReconnectingEventStream.this.name + "' answered " + refused.request().describe()
								+ " with " + refused.status()
								+ " to the same origin, which the client did not follow (a redirect loop, or a client "
								+ "that follows no redirects); retrying with backoff.",
						refused.status(), true,
						StreamSettings.Reconnect.retryAfter(refused.headers().getFirst(HttpHeaders.RETRY_AFTER)));
			}
			return StreamStatusTable.refusal(
					"Server '" + ReconnectingEventStream.this.name + "' answered " + refused.request().describe(),
					refused.status(), refused.headers().getFirst(HttpHeaders.RETRY_AFTER), refused.body(),
					ReconnectingEventStream.this.locationHint, true);
		}

		<T> Flux<T> read(ClientResponse response, Shape<T> shape) {
			ReconnectingEventStream engine = ReconnectingEventStream.this;
			if (this.request != null) {
				// Open, but not yet healthy: a server that answers and then fails before
				// any event still fails (see decode).
				engine.status(McpStreamStatus.State.OPEN, this.run.attempts, null, null);
			}
			Opened opened = new Opened(this.run.connections, this.run.connections > 1, this.resumedFrom,
					response.headers().asHttpHeaders());
			SseEvent first = engine.onOpen.apply(opened);
			Duration readTimeout = engine.settings.readTimeout();
			ReadTimeout silence = new ReadTimeout(readTimeout, "Server '" + engine.name + "' sent nothing within "
					+ readTimeout.toMillis() + " ms (cloudrun.mcp.stream.read-timeout)");
			Flux<List<SseEvent>> batches = silence.apply(response.bodyToFlux(DataBuffer.class))
				// Parse where the network delivers the buffer, not downstream, which may
				// run on whichever thread requests more (often the consumer's).
				.handle(this::decode);
			Flux<T> body = shape.emit(this, batches);
			Duration firstEvent = engine.firstEventTimeout;
			if (firstEvent != null) {
				// Bytes that are no event (keep-alive comments) do not count: the server
				// may be alive and still not have acknowledged what the stream asked for.
				body = body.timeout(Mono.delay(firstEvent), (event) -> Mono.never())
					// Only the first event's wait: a later silence is the read timeout's.
					.onErrorMap((ex) -> ex instanceof TimeoutException && this.emitted == 0,
							(ex) -> new McpStreamException("Server '" + engine.name + "' sent no event within "
									+ firstEvent.toMillis() + " ms of opening the stream; retrying with backoff.", 0,
									true, null));
			}
			return (first != null) ? Flux.concat(Mono.just(shape.one(first)), body) : body;
		}

		/**
		 * Parse one network buffer into the list of the events it completed, if any.
		 * Events completed before a parse error are still emitted, then the error ends
		 * the connection: nothing read is lost.
		 */
		private void decode(DataBuffer buffer, SynchronousSink<List<SseEvent>> sink) {
			RuntimeException failure = null;
			this.batch = null;
			try {
				int length = buffer.readableByteCount();
				if (length > 0 && !this.received) {
					this.received = true;
				}
				if (length > this.scratch.length) {
					this.scratch = new byte[Math.max(length, this.scratch.length * 2)];
				}
				buffer.read(this.scratch, 0, length);
				this.parser.feed(this.scratch, 0, length);
			}
			catch (SseEventTooLargeException ex) {
				failure = ex;
			}
			finally {
				DataBufferUtils.release(buffer);
			}
			if (failure == null) {
				failure = this.verdict;
			}
			// Blocks without data (a priming event) move the resume point too.
			noteId(this.parser.lastEventId());
			if (this.progress && !this.recovered) {
				// Works again once it delivers, not once the headers came.
				this.recovered = true;
				ReconnectingEventStream.this.failures
					.recovered("Stream '" + ReconnectingEventStream.this.name + "' delivers events again");
			}
			List<SseEvent> events = this.batch;
			this.batch = null;
			if (events != null) {
				sink.next(events);
			}
			if (failure != null) {
				sink.error(failure);
			}
		}

		private void noteId(String id) {
			if (id.equals(this.seenId)) {
				return;
			}
			this.seenId = id;
			if (id.isEmpty() || HeaderValues.isSendable(id)) {
				this.resumeId = id;
				this.progress = true;
			}
			else {
				long ignored = ReconnectingEventStream.this.ignoredIds.incrementAndGet();
				if (ignored == 1 || ignored % 1000 == 0) {
					logger.warn("Stream '" + ReconnectingEventStream.this.name + "' ignored " + ignored
							+ " event ID(s) that cannot be sent back as Last-Event-ID (control characters, "
							+ "non-ASCII, or surrounding spaces); it resumes from the last usable one.");
				}
			}
		}

		@Override
		public void onEvent(@Nullable String id, String type, String data) {
			add(id, new SseEvent(id, id != null && this.parser.eventHasOwnId(), type, data));
		}

		@Override
		public void onEvent(@Nullable String id, String type, byte[] data, int offset, int length) {
			// The bytes stay bytes: JSON access parses them, only data() decodes them.
			add(id, SseEvent.ofUtf8(id, id != null && this.parser.eventHasOwnId(), type,
					Arrays.copyOfRange(data, offset, offset + length)));
		}

		private void add(@Nullable String id, SseEvent event) {
			if (this.verdict != null) {
				return;
			}
			McpStreamException verdict = ReconnectingEventStream.this.failWhen.apply(event);
			if (verdict != null) {
				// The connection ends with it, as a failed attempt whatever came before.
				this.verdict = verdict;
				this.progress = false;
				return;
			}
			ReconnectingEventStream.this.onParsed.accept(event);
			List<SseEvent> events = this.batch;
			if (events == null) {
				events = new ArrayList<>();
				this.batch = events;
			}
			events.add(event);
			noteId((id != null) ? id : "");
			this.pendingResumeIds.add(this.resumeId);
			this.parsed++;
			this.progress = true;
		}

		@Override
		public void onRetry(long millis) {
			ReconnectingEventStream.this.serverRetry = Duration.ofMillis(millis);
		}

		private void emitted(int count) {
			for (int i = 0; i < count; i++) {
				this.emitted++;
				String resume = this.pendingResumeIds.poll();
				if (resume != null) {
					this.lastEmittedResumeId = resume;
				}
			}
		}

		/**
		 * Return the ID to resume from: the last usable ID seen when every parsed event
		 * left the connection, else that of the last event that did, so that nothing is
		 * skipped.
		 */
		private String resumeFrom() {
			return (this.emitted == this.parsed) ? this.resumeId : this.lastEmittedResumeId;
		}

	}

	/**
	 * What a subscription emits: single events, or the lists of events of one network
	 * buffer each; either way each event counts as delivered, for the resume point, when
	 * it (or its list) is emitted.
	 *
	 * @param <T> the type of the elements
	 */
	private interface Shape<T> {

		Shape<SseEvent> EVENTS = new Shape<>() {

			@Override
			public Flux<SseEvent> emit(Connection connection, Flux<List<SseEvent>> batches) {
				// An error (a reset, a cut) waits until the chunk's events are out.
				return batches.concatMapDelayError(Flux::fromIterable, false, 1)
					.doOnNext((event) -> connection.emitted(1));
			}

			@Override
			public SseEvent one(SseEvent event) {
				return event;
			}

		};

		Shape<List<SseEvent>> BATCHES = new Shape<>() {

			@Override
			public Flux<List<SseEvent>> emit(Connection connection, Flux<List<SseEvent>> batches) {
				return batches.doOnNext((events) -> connection.emitted(events.size()));
			}

			@Override
			public List<SseEvent> one(SseEvent event) {
				return List.of(event);
			}

		};

		Flux<T> emit(Connection connection, Flux<List<SseEvent>> batches);

		T one(SseEvent event);

	}

	/**
	 * Builds a {@link ReconnectingEventStream}.
	 */
	public static final class Builder {

		private final WebClient client;

		private final StreamSettings settings;

		private String name = "stream";

		private @Nullable Function<Attempt, SseRequest> request;

		private Function<Refused, @Nullable McpStreamException> refusals = (refused) -> null;

		private String locationHint = "Check the stream's URL.";

		private boolean resumable = true;

		private int maxAttempts = -1;

		private long maxConnections;

		private boolean startWithBackoff;

		private boolean requireResumeId;

		private BooleanSupplier continueWhile = () -> true;

		private Consumer<McpStreamStatus> onStatus = (status) -> {
		};

		private Function<Opened, @Nullable SseEvent> onOpen = (opened) -> null;

		private Function<SseEvent, @Nullable McpStreamException> failWhen = (event) -> null;

		private Consumer<SseEvent> onParsed = (event) -> {
		};

		private @Nullable Duration firstEventTimeout;

		private String lastEventId = "";

		private @Nullable Duration serverRetry;

		private Builder(WebClient client, StreamSettings settings) {
			this.client = Objects.requireNonNull(client, "client");
			this.settings = Objects.requireNonNull(settings, "settings");
		}

		/**
		 * Set the name used in messages and logs (the server's name).
		 * @param name the name
		 * @return this builder
		 */
		public Builder name(String name) {
			this.name = Objects.requireNonNull(name, "name");
			return this;
		}

		/**
		 * Set the request of each connection, asked again before every connection.
		 * @param request the request function; an exception it throws is a request that
		 * cannot be built
		 * @return this builder
		 */
		public Builder request(Function<Attempt, SseRequest> request) {
			this.request = Objects.requireNonNull(request, "request");
			return this;
		}

		/**
		 * Set a request that does not change between connections.
		 * @param request the request
		 * @return this builder
		 */
		public Builder request(SseRequest request) {
			Objects.requireNonNull(request, "request");
			return request((attempt) -> request);
		}

		/**
		 * Set how some statuses are read before {@link StreamStatusTable}: the function
		 * returns the failure to end the connection with (retried when
		 * {@link McpStreamException#isRetryable()}), or {@code null} for the table's.
		 * @param refusals the function, called on the network thread
		 * @return this builder
		 */
		public Builder refusals(Function<Refused, @Nullable McpStreamException> refusals) {
			this.refusals = Objects.requireNonNull(refusals, "refusals");
			return this;
		}

		/**
		 * Set what a message tells the user to check when nothing is at the URL or the
		 * response is not an event stream, naming the properties that build the URL.
		 * @param locationHint the advice
		 * @return this builder
		 */
		public Builder locationHint(String locationHint) {
			this.locationHint = Objects.requireNonNull(locationHint, "locationHint");
			return this;
		}

		/**
		 * Set whether connections send {@code Last-Event-ID}; without, every reopen is
		 * reported by {@link Opened#needsResync()}. Default {@code true}.
		 * @param resumable whether the stream resumes
		 * @return this builder
		 */
		public Builder resumable(boolean resumable) {
			this.resumable = resumable;
			return this;
		}

		/**
		 * Set the consecutive failures after which the stream ends with an error, instead
		 * of {@link StreamSettings.Reconnect#maxAttempts()}; 0 for never.
		 * @param maxAttempts the bound
		 * @return this builder
		 */
		public Builder maxAttempts(int maxAttempts) {
			if (maxAttempts < 0) {
				throw new IllegalArgumentException("maxAttempts must not be negative");
			}
			this.maxAttempts = maxAttempts;
			return this;
		}

		/**
		 * Set the most connections one subscription may open, progress or not; 0 (the
		 * default) for no bound.
		 * @param maxConnections the bound
		 * @return this builder
		 */
		public Builder maxConnections(long maxConnections) {
			this.maxConnections = Math.max(0, maxConnections);
			return this;
		}

		/**
		 * Set whether the first connection of a subscription waits a backoff first, as a
		 * resumption after a cut does. Default {@code false}: it connects at once.
		 * @param startWithBackoff whether to wait first
		 * @return this builder
		 */
		public Builder startWithBackoff(boolean startWithBackoff) {
			this.startWithBackoff = startWithBackoff;
			return this;
		}

		/**
		 * Set whether a connection that ends with no event ID to resume from ends the
		 * stream with an error, rather than reopening it from the start.
		 * @param requireResumeId whether a resume ID is required
		 * @return this builder
		 */
		public Builder requireResumeId(boolean requireResumeId) {
			this.requireResumeId = requireResumeId;
			return this;
		}

		/**
		 * Set a condition checked before every reconnect (and again after its wait): when
		 * false, the stream completes.
		 * @param continueWhile the condition
		 * @return this builder
		 */
		public Builder continueWhile(BooleanSupplier continueWhile) {
			this.continueWhile = Objects.requireNonNull(continueWhile, "continueWhile");
			return this;
		}

		/**
		 * Set where statuses go.
		 * @param onStatus the consumer, called on network and timer threads
		 * @return this builder
		 */
		public Builder onStatus(Consumer<McpStreamStatus> onStatus) {
			this.onStatus = Objects.requireNonNull(onStatus, "onStatus");
			return this;
		}

		/**
		 * Set what happens when a connection opens: the function may return an event to
		 * emit before the connection's first event (a resync notice when
		 * {@link Opened#needsResync()}), or {@code null}.
		 * @param onOpen the function, called on the network thread
		 * @return this builder
		 */
		public Builder onOpen(Function<Opened, @Nullable SseEvent> onOpen) {
			this.onOpen = Objects.requireNonNull(onOpen, "onOpen");
			return this;
		}

		/**
		 * Set what to do with each event as it is parsed, on the network thread while it
		 * reads the buffer that completed the event: there, work on the event (such as
		 * parsing its JSON) overlaps with the consumers' handling of earlier events,
		 * whichever thread later emits it.
		 * @param onParsed called once per event read from the network, before it is
		 * emitted
		 * @return this builder
		 */
		public Builder onParsed(Consumer<SseEvent> onParsed) {
			this.onParsed = Objects.requireNonNull(onParsed, "onParsed");
			return this;
		}

		/**
		 * Set the check of each event as it is parsed (on the network thread), and of a
		 * JSON body that a server sends instead of a stream (as one event of the default
		 * type): an event it returns an exception for is not delivered and ends the
		 * connection with that exception, counted as a failed attempt. A retryable
		 * exception reconnects with backoff; another ends the stream. Default: no event
		 * ends a connection.
		 * @param failWhen the check
		 * @return this builder
		 */
		public Builder failWhen(Function<SseEvent, @Nullable McpStreamException> failWhen) {
			this.failWhen = Objects.requireNonNull(failWhen, "failWhen");
			return this;
		}

		/**
		 * Set how long a connection may take, once its headers arrived, to deliver its
		 * first event (a stream whose first event acknowledges what it asked for); a
		 * connection that does not is ended and retried. Without, only
		 * {@link StreamSettings#readTimeout()} bounds the wait.
		 * @param firstEventTimeout the timeout
		 * @return this builder
		 */
		public Builder firstEventTimeout(Duration firstEventTimeout) {
			Objects.requireNonNull(firstEventTimeout, "firstEventTimeout");
			if (firstEventTimeout.isNegative() || firstEventTimeout.isZero()) {
				throw new IllegalArgumentException("firstEventTimeout must be positive");
			}
			this.firstEventTimeout = firstEventTimeout;
			return this;
		}

		/**
		 * Set where the first connection resumes from and the server's last
		 * {@code retry:}.
		 * @param lastEventId the ID to send as {@code Last-Event-ID}, or the empty string
		 * @param serverRetry the server's {@code retry:}, or {@code null}
		 * @return this builder
		 */
		public Builder resumeFrom(String lastEventId, @Nullable Duration serverRetry) {
			this.lastEventId = Objects.requireNonNull(lastEventId, "lastEventId");
			this.serverRetry = serverRetry;
			return this;
		}

		/**
		 * Build the engine.
		 * @return the engine
		 */
		public ReconnectingEventStream build() {
			return new ReconnectingEventStream(this);
		}

	}

}
