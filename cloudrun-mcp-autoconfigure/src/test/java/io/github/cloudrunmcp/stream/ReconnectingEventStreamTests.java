package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.cloudrunmcp.stream.McpStreamStatus.State;
import io.github.cloudrunmcp.stream.ScriptedSseServer.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stream engine against scripted and hostile servers on loopback.
 */
class ReconnectingEventStreamTests {

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final List<Disposable> subscriptions = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		this.subscriptions.forEach(Disposable::dispose);
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	private ScriptedSseServer server(java.util.function.Function<ScriptedSseServer.Request, Reply> script) {
		ScriptedSseServer server = new ScriptedSseServer(script);
		this.closeables.add(server);
		return server;
	}

	private static StreamSettings settings(Duration initialDelay, Duration responseTimeout) {
		return new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(5),
				new StreamSettings.Reconnect(initialDelay, Duration.ofSeconds(2), 2.0, 0.0, 0), responseTimeout);
	}

	private void run(ReconnectingEventStream engine, List<SseEvent> events) {
		this.subscriptions.add(engine.events().subscribe(events::add, (ex) -> {
		}));
	}

	@Test
	void postsAnyBodyWithItsHeadersAndReportsReopensWithoutResumption() {
		ScriptedSseServer server = server((request) -> Reply.events("id: 1\ndata: {\"n\":1}\n\n"));
		List<ReconnectingEventStream.Opened> opened = new CopyOnWriteArrayList<>();
		ReconnectingEventStream engine = ReconnectingEventStream
			.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(5)))
			.request(SseRequest.post(URI.create(server.url()), "{\"method\":\"subscriptions/listen\"}")
				.header("X-Test", "yes"))
			.resumable(false)
			.onOpen((open) -> {
				opened.add(open);
				return open.needsResync() ? new SseEvent(null, false, "resync", "{}") : null;
			})
			.build();
		List<SseEvent> events = new CopyOnWriteArrayList<>();
		run(engine, events);
		await().atMost(Duration.ofSeconds(10)).until(() -> server.requests().size() >= 3);
		assertThat(server.requests()).allSatisfy((request) -> {
			assertThat(request.method()).isEqualTo("POST");
			assertThat(request.body()).isEqualTo("{\"method\":\"subscriptions/listen\"}");
			assertThat(request.test()).isEqualTo("yes");
			assertThat(request.lastEventId()).isNull();
		});
		assertThat(opened.get(0).needsResync()).isFalse();
		assertThat(opened.get(1).needsResync()).isTrue();
		assertThat(events).extracting(SseEvent::type).startsWith("message", "resync", "message");
	}

	@Test
	void everyEventReachesOnParsedOnTheNetworkThreadBeforeItIsEmitted() {
		StringBuilder body = new StringBuilder();
		for (int i = 1; i <= 200; i++) {
			body.append("id: ").append(i).append("\ndata: {\"n\":").append(i).append("}\n\n");
		}
		AtomicInteger connection = new AtomicInteger();
		ScriptedSseServer server = server(
				(request) -> (connection.incrementAndGet() == 1) ? Reply.events(body.toString()) : Reply.events(""));
		Map<SseEvent, String> parsedOn = Collections.synchronizedMap(new IdentityHashMap<>());
		ReconnectingEventStream engine = ReconnectingEventStream
			.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(server.url())))
			.onParsed((event) -> parsedOn.put(event, Thread.currentThread().getName()))
			.build();
		List<SseEvent> events = new CopyOnWriteArrayList<>();
		List<SseEvent> emittedUnparsed = new CopyOnWriteArrayList<>();
		// One at a time on another thread: most events leave the engine when that
		// thread requests more, yet each was handed to onParsed where it was read.
		this.subscriptions.add(engine.events().publishOn(Schedulers.single(), 1).subscribe((event) -> {
			if (!parsedOn.containsKey(event)) {
				emittedUnparsed.add(event);
			}
			events.add(event);
		}, (ex) -> {
		}));
		await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 200);
		assertThat(emittedUnparsed).isEmpty();
		assertThat(parsedOn).hasSize(200);
		assertThat(parsedOn.values()).allSatisfy((thread) -> assertThat(thread).startsWith("reactor-http"));
	}

	@Test
	void resumesWithTheLastEventThatLeftTheEngine() {
		AtomicInteger connection = new AtomicInteger();
		ScriptedSseServer server = server((request) -> Reply
			.events("id: " + connection.incrementAndGet() + "\ndata: {\"n\":" + connection.get() + "}\n\n"));
		List<SseEvent> events = new CopyOnWriteArrayList<>();
		run(ReconnectingEventStream.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(server.url())))
			.build(), events);
		await().atMost(Duration.ofSeconds(10)).until(() -> server.requests().size() >= 3);
		assertThat(server.requests()).extracting(ScriptedSseServer.Request::lastEventId).startsWith(null, "1", "2");
	}

	@Test
	void idsThatCannotBeSentAsAHeaderAreIgnoredAndCounted() {
		// A control character, DEL, a leading space (the parser keeps all but one
		// leading space), a character above U+00FF and one of Latin-1.
		String hostile = "id: 1\ndata: a\n\nid: x\u0001y\ndata: b\n\nid: x\u007Fy\ndata: c\n\nid:  z\ndata: d\n\n"
				+ "id: \u4e2d\ndata: e\n\nid: \u00e9\ndata: f\n\n";
		AtomicInteger connection = new AtomicInteger();
		ScriptedSseServer server = server(
				(request) -> (connection.incrementAndGet() == 1) ? Reply.events(hostile) : Reply.events(""));
		List<SseEvent> events = new CopyOnWriteArrayList<>();
		ReconnectingEventStream engine = ReconnectingEventStream
			.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(server.url())))
			.build();
		run(engine, events);
		await().atMost(Duration.ofSeconds(10)).until(() -> server.requests().size() >= 3);
		assertThat(events).hasSize(6);
		assertThat(engine.ignoredIds()).isEqualTo(5);
		// Every reconnect resumes from the last usable ID: the request can be built.
		assertThat(server.requests().subList(1, 3)).extracting(ScriptedSseServer.Request::lastEventId)
			.containsOnly("1");
	}

	@Test
	void aRequestThatCannotBeBuiltFailsOnceInsteadOfLooping() {
		ScriptedSseServer server = server((request) -> Reply.events(""));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		ReconnectingEventStream engine = ReconnectingEventStream
			.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(server.url())).header("Mcp-Session-Id", "abc\r\ndef"))
			.onStatus(statuses::add)
			.build();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		this.subscriptions.add(engine.events().subscribe(null, errors::add));
		await().atMost(Duration.ofSeconds(10)).until(() -> !errors.isEmpty());
		assertThat(errors.get(0)).hasMessageContaining("Mcp-Session-Id").hasMessageContaining("cannot be sent");
		assertThat(statuses).last().extracting(McpStreamStatus::state).isEqualTo(State.FAILED);
		assertThat(server.requests()).isEmpty();
		assertThat(engine.connections()).isEqualTo(1);
	}

	@Test
	void anAbsurdRetryAfterIsHeldAtTheCeilingAndTheStreamStillReconnects() {
		ScriptedSseServer server = server((request) -> Reply.status(503, Map.of("Retry-After", "9223372036854775807")));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		run(ReconnectingEventStream.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(server.url())))
			.onStatus(statuses::add)
			.build(), new ArrayList<>());
		await().atMost(Duration.ofSeconds(10))
			.until(() -> statuses.stream().anyMatch((status) -> status.state() == State.RECONNECTING));
		assertThat(statuses).filteredOn((status) -> status.state() == State.RECONNECTING)
			.first()
			.satisfies((status) -> assertThat(status.nextDelay()).isEqualTo(StreamSettings.Reconnect.MAX_SERVER_DELAY));
	}

	@Test
	void retryZeroDoesNotShortenTheBackoffOfFailures() {
		AtomicInteger connection = new AtomicInteger();
		ScriptedSseServer server = server((request) -> (connection.incrementAndGet() == 1)
				? Reply.events("retry: 0\n\nid: 1\ndata: {}\n\n") : Reply.status(503, Map.of()));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		run(ReconnectingEventStream.builder(WebClient.create(), settings(Duration.ofMillis(200), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(server.url())))
			.onStatus(statuses::add)
			.build(), new ArrayList<>());
		await().atMost(Duration.ofSeconds(30)).until(() -> reconnects(statuses).size() >= 4);
		// retry: 0 held at the floor after the healthy connection, then the failures'
		// backoff from the initial delay, as if retry: had not been sent. Without the
		// floor, hundreds of connections a second.
		assertThat(reconnects(statuses).subList(0, 4)).extracting(McpStreamStatus::nextDelay)
			.containsExactly(StreamSettings.Reconnect.MIN_SERVER_DELAY, Duration.ofMillis(400), Duration.ofMillis(800),
					Duration.ofMillis(1600));
	}

	private static List<McpStreamStatus> reconnects(List<McpStreamStatus> statuses) {
		return statuses.stream().filter((status) -> status.state() == State.RECONNECTING).toList();
	}

	@Test
	void aConnectionThatDeliveredAndThenBrokeReconnectsAfterTheServersRetry() {
		// The event, then padding that the proxy cuts with a reset.
		String body = "retry: 100\n\nid: 1\ndata: {}\n\n" + ": padding\n".repeat(500);
		ScriptedSseServer server = server((request) -> Reply.events(body));
		URI origin = URI.create(server.url());
		io.github.cloudrunmcp.test.FaultProxy proxy = io.github.cloudrunmcp.test.FaultProxy
			.to(origin.getHost(), origin.getPort())
			.start();
		this.closeables.add(proxy::stop);
		proxy.next(io.github.cloudrunmcp.test.FaultProxy.Fault.resetAfter(1500));
		List<SseEvent> events = new CopyOnWriteArrayList<>();
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		// initial-delay 3 s: a reconnect that backed off from it would wait that long.
		run(ReconnectingEventStream.builder(WebClient.create(), settings(Duration.ofSeconds(3), Duration.ofSeconds(5)))
			.request(SseRequest.get(URI.create(proxy.origin() + origin.getRawPath())))
			.onStatus(statuses::add)
			.build(), events);
		await().atMost(Duration.ofSeconds(30)).until(() -> server.requests().size() >= 2);
		assertThat(reconnects(statuses)).first()
			.satisfies((status) -> assertThat(status.nextDelay()).isEqualTo(Duration.ofMillis(100)));
		assertThat(server.requests().get(1).lastEventId()).isEqualTo("1");
	}

	@Test
	void aServerThatAcceptsAndNeverAnswersIsRetriedAfterTheResponseTimeout() {
		ScriptedSseServer server = server((request) -> Reply.never());
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		run(ReconnectingEventStream.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofMillis(300)))
			.request(SseRequest.get(URI.create(server.url())))
			.onStatus(statuses::add)
			.build(), new ArrayList<>());
		await().atMost(Duration.ofSeconds(10)).until(() -> server.requests().size() >= 2);
		assertThat(statuses).filteredOn((status) -> status.state() == State.RECONNECTING)
			.first()
			.satisfies((status) -> assertThat(status.cause()).hasMessageContaining("no response headers")
				.hasMessageContaining("cloudrun.mcp.stream.response-timeout"));
	}

	@Test
	void theResponseTimeoutDoesNotHoldAShortConnectionOpen() {
		ScriptedSseServer server = server((request) -> Reply.events("id: 1\ndata: {}\n\n"));
		run(ReconnectingEventStream.builder(WebClient.create(), settings(Duration.ofMillis(20), Duration.ofSeconds(30)))
			.request(SseRequest.get(URI.create(server.url())))
			.build(), new ArrayList<>());
		// Reconnects follow each other at the backoff, not at the 30 s response timeout.
		await().atMost(Duration.ofSeconds(10)).until(() -> server.requests().size() >= 3);
	}

}
