package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.github.cloudrunmcp.sse.SseEventParser;
import io.github.cloudrunmcp.sse.SseEventTooLargeException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.ObjectMapper;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Holds an MCP server's Server-Sent-Events stream open and hands out its events.
 *
 * <p>
 * The stream opens {@code GET <url>} with {@code Accept: text/event-stream} when started,
 * and reopens it whenever it ends (a clean close, as Cloud Run does at every request
 * timeout; a reset; a silence longer than the read timeout; a 5xx or 429), after a
 * backoff with jitter that honours the server's {@code retry:} field and resets after a
 * connection that delivered events, sending {@code Last-Event-ID} so that a server that
 * keeps history resumes with no gap. 403, 404 and other 4xx stop it in the {@code FAILED}
 * state; 204 in {@code CLOSED}.
 *
 * <p>
 * Events are parsed on the network thread and handed to a dispatch thread of the stream's
 * own through a queue of {@code buffer} events: when it is full the stream stops reading
 * the socket (TCP back-pressure) unless an {@link OverflowPolicy} says otherwise. On the
 * dispatch thread, in arrival order, each event goes to the dispatcher (the application
 * context's listeners) and to {@link #events()} subscribers. At {@link #stop()} reading
 * stops and what was already read is delivered within the shutdown grace.
 */
public final class McpEventStream implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(McpEventStream.class);

	private static final int FAN_OUT_PREFETCH = 8;

	private final String server;

	private final URI url;

	private final @Nullable WebClient client;

	private final @Nullable McpEventSource source;

	private final StreamSettings settings;

	private final ObjectMapper mapper;

	private final @Nullable Consumer<McpEvent> dispatcher;

	private final Sinks.Many<McpStreamStatus> statusSink = Sinks.many().replay().latest();

	private final AtomicLong received = new AtomicLong();

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong listenerErrors = new AtomicLong();

	private final AtomicLong connections = new AtomicLong();

	private final AtomicInteger attempts = new AtomicInteger();

	private final Object lifecycleLock = new Object();

	private volatile McpStreamStatus status = new McpStreamStatus(McpStreamStatus.State.NEW, 0, null, null,
			Instant.now());

	private volatile String lastEventId = "";

	private volatile @Nullable Duration serverRetry;

	private volatile @Nullable Throwable lastEnd;

	private volatile boolean terminal;

	private volatile boolean running;

	private volatile boolean connectNow;

	private volatile ConnectableFlux<McpEvent> shared;

	private volatile Sinks.Empty<Void> stopSignal;

	private @Nullable Disposable connection;

	private @Nullable Disposable sourceStatuses;

	private Scheduler dispatchScheduler;

	private DispatchExecutor dispatchExecutor;

	private CountDownLatch drained;

	/**
	 * Create a stream; {@link #start()} opens it.
	 * @param server the server's name, carried by every event
	 * @param url the event-stream URL
	 * @param client the client to connect with (carrying the ID-token filter where
	 * needed)
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatcher receives every event on the dispatch thread before
	 * {@link #events()} subscribers, or {@code null}
	 */
	public McpEventStream(String server, URI url, WebClient client, StreamSettings settings, ObjectMapper mapper,
			@Nullable Consumer<McpEvent> dispatcher) {
		this(server, url, Objects.requireNonNull(client, "client"), null, settings, mapper, dispatcher);
	}

	/**
	 * Create a stream whose events come from a connection it does not open itself (an MCP
	 * session's notifications); {@link #start()} subscribes to the source.
	 * @param server the server's name, carried by every event
	 * @param url the URL the source reads from, for status and messages
	 * @param source the source of the events and of the connection's statuses
	 * @param settings the stream settings ({@code buffer}, {@code overflow} and
	 * {@code shutdown-grace} apply)
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatcher receives every event on the dispatch thread before
	 * {@link #events()} subscribers, or {@code null}
	 */
	public McpEventStream(String server, URI url, McpEventSource source, StreamSettings settings, ObjectMapper mapper,
			@Nullable Consumer<McpEvent> dispatcher) {
		this(server, url, null, Objects.requireNonNull(source, "source"), settings, mapper, dispatcher);
	}

	private McpEventStream(String server, URI url, @Nullable WebClient client, @Nullable McpEventSource source,
			StreamSettings settings, ObjectMapper mapper, @Nullable Consumer<McpEvent> dispatcher) {
		this.server = Objects.requireNonNull(server, "server");
		this.url = Objects.requireNonNull(url, "url");
		this.client = client;
		this.source = source;
		this.settings = Objects.requireNonNull(settings, "settings");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.dispatcher = dispatcher;
		this.statusSink.tryEmitNext(this.status);
		this.stopSignal = Sinks.empty();
		this.dispatchExecutor = new DispatchExecutor("mcp-events-" + server);
		this.dispatchScheduler = Schedulers.fromExecutor(this.dispatchExecutor);
		this.drained = new CountDownLatch(1);
		this.shared = pipeline();
	}

	/**
	 * Build the pipeline that {@link #start()} connects: connections one after another,
	 * the overflow policy, the hand-off to the dispatch thread through {@code buffer}
	 * slots, the dispatcher, then the fan-out to subscribers.
	 */
	private ConnectableFlux<McpEvent> pipeline() {
		McpEventSource external = this.source;
		Flux<McpEvent> network = (external != null)
				? external.events().takeUntilOther(this.stopSignal.asMono()).doOnNext(this::received)
				: Flux.defer(this::nextConnection).repeat(() -> this.running && !this.terminal);
		ConnectableFlux<McpEvent> fanOut = overflow(network).publishOn(this.dispatchScheduler, this.settings.buffer())
			.doOnNext(this::dispatch)
			.publish(FAN_OUT_PREFETCH);
		CountDownLatch done = this.drained;
		DispatchExecutor executor = this.dispatchExecutor;
		// Subscribed first, this subscriber hears of the end before the others: the latch
		// opens in a task queued behind the one that tells them all, so that stop()
		// returns after every subscriber completed.
		Runnable finished = () -> {
			try {
				executor.execute(done::countDown);
			}
			catch (RejectedExecutionException ex) {
				done.countDown();
			}
		};
		fanOut.subscribe(null, (ex) -> finished.run(), finished);
		return fanOut;
	}

	/**
	 * Return the server's name.
	 * @return the name
	 */
	public String server() {
		return this.server;
	}

	/**
	 * Return the event-stream URL.
	 * @return the URL
	 */
	public URI url() {
		return this.url;
	}

	/**
	 * Return the stream's events: hot, shared by all subscribers, delivered on the
	 * stream's dispatch thread in arrival order. A subscriber that requests slowly slows
	 * the stream for everyone (back-pressure); it completes when the stream stops.
	 * @return the events
	 */
	public Flux<McpEvent> events() {
		return Flux.defer(() -> this.shared);
	}

	/**
	 * Return the stream's events of the given types.
	 * @param types the event types
	 * @return the matching events
	 */
	public Flux<McpEvent> events(String... types) {
		Set<String> wanted = Set.of(types);
		return events().filter((event) -> wanted.contains(event.type()));
	}

	/**
	 * Return the current status.
	 * @return the status
	 */
	public McpStreamStatus status() {
		return this.status;
	}

	/**
	 * Return the status changes, starting with the current status.
	 * @return the statuses
	 */
	public Flux<McpStreamStatus> statusChanges() {
		return this.statusSink.asFlux();
	}

	/**
	 * Return the last event ID, sent as {@code Last-Event-ID} on the next connection.
	 * @return the last event ID, or the empty string
	 */
	public String lastEventId() {
		return this.lastEventId;
	}

	/**
	 * Return counters of what the stream did since it was created.
	 * @return the counters
	 */
	public Stats stats() {
		return new Stats(this.received.get(), this.delivered.get(), this.dropped.get(), this.listenerErrors.get(),
				this.connections.get());
	}

	@Override
	public void start() {
		synchronized (this.lifecycleLock) {
			if (this.running) {
				return;
			}
			this.running = true;
			this.connectNow = true;
			this.terminal = false;
			this.attempts.set(0);
			this.dispatchExecutor.start();
			this.connection = this.shared.connect();
			McpEventSource external = this.source;
			if (external != null) {
				this.sourceStatuses = external.statusChanges().subscribe((next) -> {
					// Once the stream itself failed (overflow 'error'), the source's news
					// does not make it healthy again.
					if (!this.terminal) {
						setStatus(next.state(), next.attempt(), next.nextDelay(), next.cause());
					}
				});
			}
		}
	}

	private void received(McpEvent event) {
		this.received.incrementAndGet();
		String id = event.id();
		if (id != null) {
			this.lastEventId = id;
		}
	}

	@Override
	public void stop() {
		synchronized (this.lifecycleLock) {
			if (!this.running) {
				return;
			}
			this.running = false;
			// Stops reading: the open connection completes after the chunk in hand, a
			// pending
			// reconnect is skipped, and what was read drains to the consumers.
			this.stopSignal.tryEmitEmpty();
			boolean complete;
			try {
				complete = this.drained.await(this.settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				complete = false;
			}
			if (!complete) {
				long undelivered = this.received.get() - this.delivered.get() - this.dropped.get();
				logger.warn("MCP event stream '" + this.server + "' stopped with " + undelivered
						+ " event(s) read from the socket but not delivered within the shutdown grace of "
						+ this.settings.shutdownGrace().toMillis()
						+ " ms (cloudrun.mcp.stream.shutdown-grace); last event ID '" + this.lastEventId + "'.");
			}
			if (this.connection != null) {
				this.connection.dispose();
				this.connection = null;
			}
			if (this.sourceStatuses != null) {
				this.sourceStatuses.dispose();
				this.sourceStatuses = null;
			}
			this.dispatchScheduler.dispose();
			this.dispatchExecutor.shutdownNow();
			// Subscribers from now on join the pipeline of the next start.
			this.stopSignal = Sinks.empty();
			this.dispatchExecutor = new DispatchExecutor("mcp-events-" + this.server);
			this.dispatchScheduler = Schedulers.fromExecutor(this.dispatchExecutor);
			this.drained = new CountDownLatch(1);
			this.shared = pipeline();
			if (this.status.state() != McpStreamStatus.State.FAILED) {
				setStatus(McpStreamStatus.State.CLOSED, 0, null, null);
			}
		}
	}

	/**
	 * Lifecycle phase of the streams: they stop after Spring Boot's graceful shutdown of
	 * the web server ({@code DEFAULT_PHASE - 1024}), so that requests in flight still get
	 * their events, and after the MCP sessions (one phase above), whose notifications
	 * they carry; they start before those sessions.
	 */
	public static final int PHASE = DEFAULT_PHASE - 1024 - 16;

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private Flux<McpEvent> overflow(Flux<McpEvent> network) {
		return switch (this.settings.overflow()) {
			case BLOCK -> network;
			case DROP_LATEST -> network.onBackpressureDrop(this::countDrop);
			case DROP_OLDEST -> network.onBackpressureBuffer(this.settings.buffer(), this::countDrop,
					BufferOverflowStrategy.DROP_OLDEST);
			case ERROR ->
				network.onBackpressureBuffer(this.settings.buffer(), this::countDrop, BufferOverflowStrategy.ERROR)
					.doOnError((ex) -> {
						this.terminal = true;
						setStatus(McpStreamStatus.State.FAILED, this.attempts.get(), null,
								new McpStreamException("Consumers of MCP event stream '" + this.server
										+ "' fell more than " + this.settings.buffer()
										+ " events behind and cloudrun.mcp.stream.overflow is 'error'. Speed up "
										+ "the listeners, raise cloudrun.mcp.stream.buffer, or choose 'block'.", 0,
										false, null));
					})
					.onErrorResume((ex) -> Mono.empty());
		};
	}

	private void countDrop(McpEvent event) {
		this.dropped.incrementAndGet();
	}

	private Flux<McpEvent> nextConnection() {
		if (this.connectNow) {
			// The first connection of each start goes at once.
			this.connectNow = false;
			setStatus(McpStreamStatus.State.CONNECTING, 0, null, null);
			return connect();
		}
		Throwable ended = this.lastEnd;
		int attempt = this.attempts.get();
		Duration delay = delay(attempt, ended);
		setStatus(McpStreamStatus.State.RECONNECTING, attempt, delay, ended);
		return Mono.delay(delay).takeUntilOther(this.stopSignal.asMono()).thenMany(Flux.defer(() -> {
			if (!this.running) {
				return Flux.empty();
			}
			setStatus(McpStreamStatus.State.CONNECTING, attempt, null, ended);
			return connect();
		}));
	}

	private Duration delay(int attempt, @Nullable Throwable ended) {
		Duration retryAfter = (ended instanceof McpStreamException streamException) ? streamException.getRetryAfter()
				: null;
		return this.settings.reconnect().delay(attempt, this.serverRetry, retryAfter);
	}

	private Flux<McpEvent> connect() {
		this.connections.incrementAndGet();
		this.lastEnd = null;
		String resumeFrom = this.lastEventId;
		ChunkDecoder decoder = new ChunkDecoder(resumeFrom);
		WebClient client = Objects.requireNonNull(this.client, "client");
		return client.get().uri(this.url).accept(MediaType.TEXT_EVENT_STREAM).headers((headers) -> {
			headers.setCacheControl("no-cache");
			if (!resumeFrom.isEmpty()) {
				headers.set("Last-Event-ID", resumeFrom);
			}
		}).exchangeToFlux((response) -> open(response, decoder)).onErrorResume((ex) -> {
			this.lastEnd = ex;
			return Flux.empty();
		}).doOnComplete(() -> connectionEnded(decoder));
	}

	private Flux<McpEvent> open(ClientResponse response, ChunkDecoder decoder) {
		int code = response.statusCode().value();
		if (code != 200) {
			return response.releaseBody().thenMany(Flux.error(statusError(code, response.headers().asHttpHeaders())));
		}
		MediaType contentType = response.headers().contentType().orElse(null);
		if (contentType == null || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(contentType)) {
			return response.releaseBody()
				.thenMany(
						Flux.error(new McpStreamException(
								"GET " + this.url + " answered with content type " + contentType
										+ ", not text/event-stream. Check cloudrun.mcp.events-path.",
								code, false, null)));
		}
		setStatus(McpStreamStatus.State.OPEN, this.attempts.get(), null, null);
		return response.bodyToFlux(DataBuffer.class)
			.timeout(this.settings.readTimeout())
			.takeUntilOther(this.stopSignal.asMono())
			// Parse where the network delivers the buffer, not in concatMap,
			// which runs on whichever thread requests more (often the dispatcher).
			.map(decoder::decode)
			// An error (a reset, a cut) waits until the chunk's events are out.
			.concatMapDelayError((events) -> events, false, 1)
			.doOnNext(decoder::emitted);
	}

	private void connectionEnded(ChunkDecoder decoder) {
		decoder.parser.end();
		this.lastEventId = decoder.resumeFrom();
		Throwable ended = this.lastEnd;
		int attempt = this.attempts.incrementAndGet();
		if (!this.running) {
			return;
		}
		if (ended instanceof McpStreamException streamException && !streamException.isRetryable()) {
			this.terminal = true;
			McpStreamStatus.State state = (streamException.getStatus() == 204) ? McpStreamStatus.State.CLOSED
					: McpStreamStatus.State.FAILED;
			logger.error("MCP event stream '" + this.server + "' stopped: " + streamException.getMessage());
			setStatus(state, attempt, null, streamException);
			return;
		}
		int maxAttempts = this.settings.reconnect().maxAttempts();
		if (maxAttempts > 0 && attempt > maxAttempts) {
			this.terminal = true;
			logger.error("MCP event stream '" + this.server + "' gave up after " + maxAttempts
					+ " failed attempts (cloudrun.mcp.stream.reconnect.max-attempts)"
					+ ((ended != null) ? ": " + ended.getMessage() : ""));
			setStatus(McpStreamStatus.State.FAILED, attempt, null, ended);
			return;
		}
		if (ended instanceof SseEventTooLargeException) {
			logger.error("MCP event stream '" + this.server + "': " + ended.getMessage());
		}
		else if (ended != null && logger.isInfoEnabled()) {
			logger.info("MCP event stream '" + this.server + "' connection ended (" + ended.getClass().getSimpleName()
					+ ": " + ended.getMessage() + "); reconnecting from event ID '" + this.lastEventId + "'.");
		}
	}

	private McpStreamException statusError(int code, HttpHeaders headers) {
		Duration retryAfter = StreamSettings.Reconnect.retryAfter(headers.getFirst(HttpHeaders.RETRY_AFTER));
		String request = "GET " + this.url + " answered " + code;
		if (code == 204) {
			return new McpStreamException(request + " No Content: the server asks clients not to reconnect.", code,
					false, null);
		}
		if (code == 404) {
			return new McpStreamException(request + ": no event stream there. Check cloudrun.mcp.base-url and "
					+ "cloudrun.mcp.events-path (default /events); if the server speaks the Model Context Protocol, "
					+ "set its transport to streamable-http.", code, false, null);
		}
		if (code == 403) {
			return new McpStreamException(
					request + ": the caller may not invoke the server. Grant its service "
							+ "account roles/run.invoker on the server, and check the server's ingress settings.",
					code, false, null);
		}
		if (code == 401) {
			return new McpStreamException(
					request + ": the server rejected the request's credentials; retrying " + "with a fresh token.",
					code, true, retryAfter);
		}
		if (code == 408 || code == 429 || code >= 500) {
			return new McpStreamException(request + "; retrying with backoff.", code, true, retryAfter);
		}
		return new McpStreamException(request + ", which retrying cannot fix.", code, false, null);
	}

	private void dispatch(McpEvent event) {
		this.delivered.incrementAndGet();
		Consumer<McpEvent> target = this.dispatcher;
		if (target == null) {
			return;
		}
		try {
			target.accept(event);
		}
		catch (RuntimeException | Error ex) {
			// Listener adapters log their own failures; this catches what escapes them.
			this.listenerErrors.incrementAndGet();
			logger.error("Delivering MCP event id '" + event.id() + "' of type '" + event.type() + "' from server '"
					+ this.server + "' failed", ex);
		}
	}

	private synchronized void setStatus(McpStreamStatus.State state, int attempt, @Nullable Duration nextDelay,
			@Nullable Throwable cause) {
		McpStreamStatus next = new McpStreamStatus(state, attempt, nextDelay, cause, Instant.now());
		this.status = next;
		this.statusSink.tryEmitNext(next);
	}

	@Override
	public String toString() {
		return "McpEventStream[" + this.server + " " + this.url + " " + this.status.state() + "]";
	}

	/**
	 * Turns the network's buffers into events for one connection.
	 */
	private final class ChunkDecoder implements SseEventParser.Listener {

		private final SseEventParser parser;

		private byte[] scratch = new byte[8192];

		private @Nullable List<McpEvent> batch;

		private boolean delivering;

		private final String initialLastEventId;

		private @Nullable String lastEmittedId;

		private long parsed;

		private long emitted;

		ChunkDecoder(String lastEventId) {
			this.initialLastEventId = lastEventId;
			this.parser = new SseEventParser(McpEventStream.this.settings.maxEventSize(), lastEventId, this);
		}

		void emitted(McpEvent event) {
			this.emitted++;
			this.lastEmittedId = event.id();
		}

		/**
		 * Return the ID to resume from: the parser's last ID when every parsed event left
		 * the connection, else the ID of the last event that did, so that nothing is
		 * skipped.
		 */
		String resumeFrom() {
			if (this.emitted == this.parsed) {
				return this.parser.lastEventId();
			}
			String id = this.lastEmittedId;
			return (this.emitted == 0 || id == null) ? this.initialLastEventId : id;
		}

		/**
		 * Parse one network buffer. Events completed before a parse error are still
		 * emitted, then the error ends the connection: nothing read is lost.
		 */
		Flux<McpEvent> decode(DataBuffer buffer) {
			RuntimeException failure = null;
			this.batch = null;
			try {
				int length = buffer.readableByteCount();
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
			List<McpEvent> events = this.batch;
			Flux<McpEvent> parsed = (events != null) ? Flux.fromIterable(events) : Flux.empty();
			return (failure != null) ? parsed.concatWith(Flux.error(failure)) : parsed;
		}

		@Override
		public void onEvent(@Nullable String id, String type, String data) {
			List<McpEvent> events = this.batch;
			if (events == null) {
				events = new ArrayList<>();
				this.batch = events;
			}
			events.add(new McpEvent(McpEventStream.this.server, id, type, data, McpEventStream.this.mapper));
			this.parsed++;
			McpEventStream.this.received.incrementAndGet();
			if (!this.delivering) {
				// A connection that delivers events is healthy: the backoff starts over.
				this.delivering = true;
				McpEventStream.this.attempts.set(0);
			}
		}

		@Override
		public void onRetry(long millis) {
			McpEventStream.this.serverRetry = Duration.ofMillis(millis);
		}

	}

	/**
	 * Counters of a stream.
	 *
	 * @param received events read from the network
	 * @param delivered events handed to the dispatcher and subscribers
	 * @param dropped events dropped by the overflow policy
	 * @param listenerErrors dispatcher calls that threw (listener adapters catch and log
	 * their own)
	 * @param connections connection attempts
	 */
	public record Stats(long received, long delivered, long dropped, long listenerErrors, long connections) {
	}

}
