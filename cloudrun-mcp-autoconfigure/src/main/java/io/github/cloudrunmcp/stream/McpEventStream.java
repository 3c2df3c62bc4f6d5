package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.cloudrunmcp.text.PrintableText;
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
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Holds an MCP server's events and hands them out: buffering, dispatch and fan-out over
 * an {@link McpEventSource}.
 *
 * <p>
 * The source is a plain event-stream endpoint read by the stream engine
 * ({@link HttpEventSource} over {@link ReconnectingEventStream}: reconnect with backoff,
 * {@code retry:}, {@code Retry-After}, {@code Last-Event-ID}, timeouts) or an MCP
 * session's notifications. The stream subscribes to it when started and cancels it when
 * stopped; a restart resumes where the source stopped.
 *
 * <p>
 * Events are parsed on the network thread and handed to the dispatch threads of an
 * {@link McpDispatchExecutor}, shared by all streams, through a queue of {@code buffer}
 * events (with {@link OverflowPolicy#BLOCK} over a source that reads in batches,
 * {@link McpEventSource#batchesByRead()} as an {@link HttpEventSource} does, the events
 * of a few network reads, handed over a read at a time): when it is full the stream stops
 * reading the socket (TCP back-pressure) unless an {@link OverflowPolicy} says otherwise.
 * On a dispatch thread, one event at a time and in arrival order, each event goes to the
 * dispatcher (the application context's listeners) and to {@link #events()} subscribers;
 * the stream holds no thread while no events wait. At {@link #stop()} reading stops and
 * what was already read is delivered within the shutdown grace.
 */
public final class McpEventStream implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(McpEventStream.class);

	private static final int FAN_OUT_PREFETCH = 8;

	/**
	 * The network reads that a stream with the overflow policy {@code block} reads ahead
	 * of its dispatch lane: the lane asks for more once it took three quarters of them,
	 * so that the network thread keeps reading while the lane delivers, and is asked
	 * across threads once per six reads rather than once per read.
	 */
	static final int READ_PREFETCH = 8;

	private final String server;

	private final URI url;

	private final McpEventSource source;

	private final StreamSettings settings;

	private final ObjectMapper mapper;

	private final McpDispatchExecutor dispatchThreads;

	private final @Nullable Consumer<McpEvent> dispatcher;

	private final Sinks.Many<McpStreamStatus> statusSink = Sinks.many().replay().latest();

	private final AtomicLong received = new AtomicLong();

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong listenerErrors = new AtomicLong();

	private final Object lifecycleLock = new Object();

	private volatile McpStreamStatus status = new McpStreamStatus(McpStreamStatus.State.NEW, 0, null, null,
			Instant.now());

	private volatile String lastEventId = "";

	private volatile boolean terminal;

	private volatile boolean running;

	private volatile ConnectableFlux<McpEvent> shared;

	private volatile Sinks.Empty<Void> stopSignal;

	private @Nullable Disposable connection;

	private @Nullable Disposable sourceStatuses;

	private Scheduler dispatchScheduler;

	private DispatchLane dispatchLane;

	private CompletableFuture<Void> drained;

	private volatile CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);

	/**
	 * Create a stream that reads a plain event-stream endpoint with {@code GET} through
	 * an {@link HttpEventSource}, delivering its events on the
	 * {@linkplain McpDispatchExecutor#shared() shared dispatch threads}; {@link #start()}
	 * opens it.
	 * @param server the server's name, carried by every event
	 * @param url the event-stream URL
	 * @param client the client to connect with (carrying the ID-token filter where
	 * needed)
	 * @param settings the stream settings
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatcher receives every event on a dispatch thread before
	 * {@link #events()} subscribers, or {@code null}
	 */
	public McpEventStream(String server, URI url, WebClient client, StreamSettings settings, ObjectMapper mapper,
			@Nullable Consumer<McpEvent> dispatcher) {
		this(server, url, new HttpEventSource(server, url, client, settings, mapper), settings, mapper, dispatcher);
	}

	/**
	 * Create a stream over a source of events that delivers them on the
	 * {@linkplain McpDispatchExecutor#shared() shared dispatch threads}; {@link #start()}
	 * subscribes to the source.
	 * @param server the server's name, carried by every event
	 * @param url the URL the source reads from, for status and messages
	 * @param source the source of the events and of the connection's statuses
	 * @param settings the stream settings ({@code buffer}, {@code overflow} and
	 * {@code shutdown-grace} apply)
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatcher receives every event on a dispatch thread before
	 * {@link #events()} subscribers, or {@code null}
	 */
	public McpEventStream(String server, URI url, McpEventSource source, StreamSettings settings, ObjectMapper mapper,
			@Nullable Consumer<McpEvent> dispatcher) {
		this(server, url, source, settings, mapper, McpDispatchExecutor.shared(), dispatcher);
	}

	/**
	 * Create a stream over a source of events (an MCP session's notifications, an
	 * {@link HttpEventSource}); {@link #start()} subscribes to the source.
	 * @param server the server's name, carried by every event
	 * @param url the URL the source reads from, for status and messages
	 * @param source the source of the events and of the connection's statuses
	 * @param settings the stream settings ({@code buffer}, {@code overflow} and
	 * {@code shutdown-grace} apply)
	 * @param mapper the mapper for the events' JSON access
	 * @param dispatchThreads the threads that deliver the events, shared with other
	 * streams
	 * @param dispatcher receives every event on a dispatch thread before
	 * {@link #events()} subscribers, or {@code null}
	 */
	public McpEventStream(String server, URI url, McpEventSource source, StreamSettings settings, ObjectMapper mapper,
			McpDispatchExecutor dispatchThreads, @Nullable Consumer<McpEvent> dispatcher) {
		this.server = Objects.requireNonNull(server, "server");
		this.url = Objects.requireNonNull(url, "url");
		this.source = Objects.requireNonNull(source, "source");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.dispatchThreads = Objects.requireNonNull(dispatchThreads, "dispatchThreads");
		this.dispatcher = dispatcher;
		this.statusSink.tryEmitNext(this.status);
		this.stopSignal = Sinks.empty();
		this.dispatchLane = dispatchThreads.lane(server);
		this.dispatchScheduler = Schedulers.fromExecutor(this.dispatchLane);
		this.drained = new CompletableFuture<>();
		this.shared = pipeline();
	}

	/**
	 * Build the pipeline that {@link #start()} connects: the source's events, the
	 * overflow policy, the hand-off to the dispatch lane through {@code buffer} slots,
	 * the dispatcher, then the fan-out to subscribers.
	 */
	private ConnectableFlux<McpEvent> pipeline() {
		ConnectableFlux<McpEvent> fanOut = handOff().doOnNext(this::dispatch).publish(FAN_OUT_PREFETCH);
		CompletableFuture<Void> done = this.drained;
		DispatchLane executor = this.dispatchLane;
		// Subscribed first, this subscriber hears of the end before the others: the
		// future completes in a task queued behind the one that tells them all, so that
		// stop() returns after every subscriber completed.
		Runnable finished = () -> {
			try {
				executor.execute(() -> done.complete(null));
			}
			catch (RejectedExecutionException ex) {
				done.complete(null);
			}
		};
		fanOut.subscribe(null, (ex) -> finished.run(), finished);
		return fanOut;
	}

	/**
	 * The source's events on the dispatch lane. Events read from an endpoint go over a
	 * network buffer at a time, when the overflow policy is {@code block}: one hand-off
	 * per buffer rather than per event, and at most {@value #READ_PREFETCH} buffers read
	 * ahead of the dispatch lane (so while the consumers are behind, the events of at
	 * most that many reads and the one being read wait, besides the fan-out's few).
	 * Otherwise one event at a time, through {@code buffer} slots and the overflow
	 * policy.
	 */
	private Flux<McpEvent> handOff() {
		Mono<Void> stop = this.stopSignal.asMono();
		if (this.source.batchesByRead() && this.settings.overflow() == OverflowPolicy.BLOCK) {
			return this.source.batches()
				.takeUntilOther(stop)
				.doOnNext(this::received)
				.publishOn(this.dispatchScheduler, READ_PREFETCH)
				.concatMapIterable(Function.identity(), 1);
		}
		Flux<McpEvent> network = this.source.events().takeUntilOther(stop).doOnNext(this::received);
		return overflow(network).publishOn(this.dispatchScheduler, this.settings.buffer());
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
	 * Return the stream's events: hot, shared by all subscribers, delivered on a dispatch
	 * thread, one at a time, in arrival order. A subscriber that requests slowly slows
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
	 * Return the last event ID: the one the source sends as {@code Last-Event-ID} on its
	 * next connection, or, for a source that does not resume by ID, that of the last
	 * event read.
	 * @return the last event ID, or the empty string
	 */
	public String lastEventId() {
		String resumeFrom = this.source.lastEventId();
		return (resumeFrom != null) ? resumeFrom : this.lastEventId;
	}

	/**
	 * Return counters of what the stream did since it was created.
	 * @return the counters
	 */
	public Stats stats() {
		return new Stats(this.received.get(), this.delivered.get(), this.dropped.get(), this.listenerErrors.get(),
				this.source.connections());
	}

	@Override
	public void start() {
		// A start right after an asynchronous stop waits for that stop to finish (outside
		// the lock, which the finish takes).
		this.stopped.join();
		synchronized (this.lifecycleLock) {
			if (this.running) {
				return;
			}
			this.running = true;
			this.terminal = false;
			// Subscribed before the source connects, so that no status of this start is
			// missed (a source that connects on subscription reports CONNECTING at once).
			// The status it replays on subscription is the one from before this start:
			// it applies only when the connection brought no newer one.
			SourceStatuses statuses = new SourceStatuses();
			this.sourceStatuses = this.source.statusChanges().subscribe(statuses::accept);
			statuses.subscribed();
			this.connection = this.shared.connect();
			statuses.connected();
		}
	}

	private void sourceStatus(McpStreamStatus next) {
		// Once the stream itself failed (overflow 'error'), the source's news does not
		// make it healthy again; after stop() it is CLOSED.
		if (!this.terminal && this.running) {
			setStatus(next.state(), next.attempt(), next.nextDelay(), next.cause());
		}
	}

	private void received(List<McpEvent> events) {
		this.received.addAndGet(events.size());
		for (int i = events.size() - 1; i >= 0; i--) {
			String id = events.get(i).id();
			if (id != null) {
				this.lastEventId = id;
				return;
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

	/**
	 * Stop the stream and wait until it stopped: reading stops, what was read is
	 * delivered within the shutdown grace, then the connection closes.
	 */
	@Override
	public void stop() {
		CompletableFuture<Void> done = new CompletableFuture<>();
		stop(() -> done.complete(null));
		try {
			done.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException ex) {
			// The callback only completes it.
		}
	}

	/**
	 * Stop the stream without waiting: reading stops at once and the callback runs once
	 * what was read was delivered, or the shutdown grace ran out. Spring stops all the
	 * streams of a phase this way, so that they drain in parallel, within one grace
	 * whatever their number. No thread waits for the drain: the stops of all streams are
	 * finished on one shared thread ({@code cloudrun-mcp-stop-1}).
	 * @param callback run when the stream stopped, on that shared thread: it must not
	 * block
	 */
	@Override
	public void stop(Runnable callback) {
		CompletableFuture<Void> drain;
		CompletableFuture<Void> finished;
		synchronized (this.lifecycleLock) {
			if (!this.running) {
				// Stopped, or stopping: done once the stop under way is.
				this.stopped.whenComplete((ignored, ex) -> callback.run());
				return;
			}
			this.running = false;
			// Stops reading: the source is cancelled after the chunk in hand and what was
			// read drains to the consumers.
			this.stopSignal.tryEmitEmpty();
			drain = this.drained;
			finished = new CompletableFuture<>();
			this.stopped = finished;
		}
		drain.orTimeout(this.settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)
			// Not on the dispatch lane, which the finish shuts down, nor on a thread per
			// stream: the drains wait in parallel without a thread, and one thread that
			// all streams share finishes each stop (a few cancellations, no waiting).
			.whenCompleteAsync((ignored, ex) -> {
				try {
					finishStop(ex == null);
				}
				finally {
					finished.complete(null);
					callback.run();
				}
			}, StopThread.INSTANCE);
	}

	private void finishStop(boolean drainedInTime) {
		synchronized (this.lifecycleLock) {
			if (!drainedInTime) {
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
			this.dispatchLane.shutdownNow();
			// Subscribers from now on join the pipeline of the next start.
			this.stopSignal = Sinks.empty();
			this.dispatchLane = this.dispatchThreads.lane(this.server);
			this.dispatchScheduler = Schedulers.fromExecutor(this.dispatchLane);
			this.drained = new CompletableFuture<>();
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
						setStatus(McpStreamStatus.State.FAILED, this.status.attempt(), null,
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
		this.source.dropped(event);
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
			logger.error("Delivering MCP event id '" + PrintableText.of(event.id()) + "' of type '"
					+ PrintableText.of(event.type()) + "' from server '" + this.server + "' failed", ex);
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
	 * The thread that finishes the stops of all streams, started at the first stop. Its
	 * {@code execute} takes no lock, as the drain may end on any thread.
	 */
	private static final class StopThread {

		static final Executor INSTANCE = new DispatchThreadPool("cloudrun-mcp-stop-", 1);

	}

	/**
	 * The statuses of the source during one start: the one replayed on subscription is
	 * held back until the connection is made, and dropped when the connection reported a
	 * newer one; later ones apply as they come.
	 */
	private final class SourceStatuses {

		private boolean subscribed;

		private boolean connected;

		private @Nullable McpStreamStatus replayed;

		private boolean newer;

		synchronized void accept(McpStreamStatus next) {
			if (!this.subscribed) {
				this.replayed = next;
				return;
			}
			if (!this.connected) {
				this.newer = true;
			}
			sourceStatus(next);
		}

		synchronized void subscribed() {
			this.subscribed = true;
		}

		synchronized void connected() {
			this.connected = true;
			McpStreamStatus held = this.replayed;
			this.replayed = null;
			if (held != null && !this.newer) {
				sourceStatus(held);
			}
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
