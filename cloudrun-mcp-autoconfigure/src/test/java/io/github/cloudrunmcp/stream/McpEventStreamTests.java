package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import io.github.cloudrunmcp.auth.CachingIdTokenProvider;
import io.github.cloudrunmcp.auth.GoogleIdTokenSource;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.sse.SseEventTooLargeException;
import io.github.cloudrunmcp.stream.McpStreamStatus.State;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeEventServer.Connection;
import io.github.cloudrunmcp.test.FakeEventServer.End;
import io.github.cloudrunmcp.test.FakeEventServer.Plan;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class McpEventStreamTests {

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final List<McpEventStream> streams = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		for (McpEventStream stream : this.streams) {
			stream.stop();
		}
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	private FakeEventServer server() {
		FakeEventServer server = new FakeEventServer().start();
		this.closeables.add(server);
		return server;
	}

	private static StreamSettings settings(int buffer, OverflowPolicy overflow, Duration initialDelay,
			int maxAttempts) {
		return new StreamSettings(buffer, overflow, 1024 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(5),
				new StreamSettings.Reconnect(initialDelay, Duration.ofSeconds(2), 2.0, 0.0, maxAttempts));
	}

	private static StreamSettings fast() {
		return settings(32, OverflowPolicy.BLOCK, Duration.ofMillis(20), 0);
	}

	private McpEventStream stream(FakeEventServer server, StreamSettings settings, Consumer<McpEvent> dispatcher) {
		return stream(server, settings, dispatcher, WebClient.create());
	}

	private McpEventStream stream(FakeEventServer server, StreamSettings settings, Consumer<McpEvent> dispatcher,
			WebClient client) {
		McpEventStream stream = new McpEventStream("default", URI.create(server.origin() + "/events"), client, settings,
				JsonMapper.builder().build(), dispatcher);
		this.streams.add(stream);
		return stream;
	}

	private static List<Integer> seqs(List<McpEvent> events) {
		return events.stream().map((e) -> e.json().get("seq").asInt()).toList();
	}

	@Test
	void deliversEveryEventInOrderWithIdsTypesAndData() {
		FakeEventServer server = server();
		server.publishNumbered(100);
		List<McpEvent> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, fast(), received::add);
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 100);
		assertThat(seqs(received)).containsExactlyElementsOf(IntStream.rangeClosed(1, 100).boxed().toList());
		assertThat(received.get(41).id()).isEqualTo("42");
		assertThat(received.get(41).type()).isEqualTo("tick");
		assertThat(received.get(41).sseType()).isEqualTo("message");
		assertThat(received.get(41).server()).isEqualTo("default");
		assertThat(stream.status().state()).isEqualTo(State.OPEN);
		assertThat(stream.lastEventId()).isEmpty();
		assertThat(server.connections()).singleElement()
			.satisfies((c) -> assertThat(c.requestLine()).startsWith("GET /events"));
	}

	@Test
	void fluxSubscribersShareTheHotStreamOnTheDispatchThread() {
		FakeEventServer server = server();
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		List<String> threads = new CopyOnWriteArrayList<>();
		List<McpEvent> first = new CopyOnWriteArrayList<>();
		List<McpEvent> ticks = new CopyOnWriteArrayList<>();
		stream.events().doOnNext((e) -> threads.add(Thread.currentThread().getName())).subscribe(first::add);
		stream.events("tick").subscribe(ticks::add);
		stream.start();
		server.publish("other", "{}");
		server.publishNumbered(10);
		await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 11 && ticks.size() == 10);
		assertThat(threads).allMatch((name) -> name.startsWith("cloudrun-mcp-dispatch-"));
		assertThat(server.connections()).hasSize(1);
	}

	@Test
	void resumesAcrossRandomDropsWithNoGapsAndNoDuplicates() {
		FakeEventServer server = server();
		int total = 2000;
		server.publishNumbered(total);
		Random random = new Random(42);
		List<Plan> plans = new ArrayList<>();
		int planned = 0;
		End[] ends = End.values();
		while (planned < total - 100) {
			int events = 1 + random.nextInt(150);
			plans.add(Plan.drop(events, ends[random.nextInt(ends.length)]));
			planned += events;
		}
		server.plan(plans.toArray(Plan[]::new));
		List<McpEvent> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, settings(32, OverflowPolicy.BLOCK, Duration.ofMillis(5), 0),
				received::add);
		stream.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= total);
		assertThat(seqs(received)).containsExactlyElementsOf(IntStream.rangeClosed(1, total).boxed().toList());
		assertThat(received).extracting(McpEvent::id)
			.containsExactlyElementsOf(IntStream.rangeClosed(1, total).mapToObj(String::valueOf).toList());
		List<Connection> connections = server.connections();
		assertThat(connections).hasSizeGreaterThan(plans.size());
		// Each reconnection resumed from the last event received before it: exactly the
		// last one sent after a clean close or a cut, no later than that after a reset
		// (which may discard bytes the client had not read yet).
		assertThat(connections.get(0).lastEventId()).isNull();
		int exact = 0;
		for (int i = 1; i <= plans.size(); i++) {
			int from = (i == 1) ? 0 : Integer.parseInt(connections.get(i - 1).lastEventId());
			if (plans.get(i - 1).end() != End.RESET) {
				assertThat(Integer.parseInt(connections.get(i).lastEventId()))
					.isEqualTo(from + plans.get(i - 1).events());
				exact++;
			}
			else {
				assertThat(Integer.parseInt(connections.get(i).lastEventId()))
					.isLessThanOrEqualTo(from + plans.get(i - 1).events());
			}
		}
		assertThat(exact).isPositive();
	}

	@Test
	void serverRetryFieldSetsTheReconnectDelay() {
		FakeEventServer server = server().retry(400L);
		server.publishNumbered(3);
		server.plan(Plan.drop(3, End.CLEAN));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		stream.statusChanges().subscribe(statuses::add);
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> server.connections().size() == 2);
		assertThat(statuses).filteredOn((s) -> s.state() == State.RECONNECTING)
			.singleElement()
			.satisfies((s) -> assertThat(s.nextDelay()).isEqualTo(Duration.ofMillis(400)));
		List<Connection> connections = server.connections();
		assertThat(FakeEventServer.between(connections.get(0), connections.get(1)))
			.isGreaterThanOrEqualTo(Duration.ofMillis(400));
		assertThat(connections.get(1).lastEventId()).isEqualTo("3");
	}

	@Test
	void afterManyQuickReconnectsTheLatestStatusChangeIsTheStatus() {
		FakeEventServer server = server();
		int reconnects = 100;
		server.publishNumbered(reconnects + 1);
		server.plan(IntStream.range(0, reconnects).mapToObj((i) -> Plan.drop(1, End.CLEAN)).toArray(Plan[]::new));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		List<McpStreamStatus> sampled = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, settings(32, OverflowPolicy.BLOCK, Duration.ofMillis(1), 0), (e) -> {
		});
		stream.statusChanges().subscribe(statuses::add);
		// As the sample's page gets them: the latest at each tick.
		stream.statusChanges().sample(Duration.ofMillis(5)).subscribe(sampled::add);
		stream.start();
		// The connection after the plans stays open: the stream settles on OPEN.
		await().atMost(Duration.ofSeconds(60))
			.until(() -> stream.stats().delivered() == reconnects + 1
					&& statuses.stream().filter((status) -> status.state() == State.OPEN).count() == reconnects + 1);
		assertThat(stream.status().state()).isEqualTo(State.OPEN);
		assertThat(statuses.get(statuses.size() - 1)).isSameAs(stream.status());
		await().atMost(Duration.ofSeconds(10)).until(() -> sampled.get(sampled.size() - 1) == stream.status());
		// Each connection's statuses in order, none published out of it (a connection
		// that a loaded machine fails to open is retried).
		Map<State, Set<State>> next = Map.of(State.NEW, Set.of(State.CONNECTING), State.CONNECTING,
				Set.of(State.OPEN, State.RECONNECTING), State.OPEN, Set.of(State.RECONNECTING), State.RECONNECTING,
				Set.of(State.CONNECTING));
		for (int i = 1; i < statuses.size(); i++) {
			assertThat(next.get(statuses.get(i - 1).state())).as("status %d of %s", i, statuses)
				.contains(statuses.get(i).state());
		}
	}

	@Test
	void backoffGrowsOnFailuresAndResetsAfterAHealthyConnection() {
		FakeEventServer server = server();
		server.publishNumbered(2);
		server.plan(Plan.status(503, ""), Plan.status(503, ""), Plan.status(502, ""), Plan.drop(2, End.CLEAN),
				Plan.status(503, ""));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, settings(32, OverflowPolicy.BLOCK, Duration.ofMillis(50), 0), (e) -> {
		});
		stream.statusChanges().subscribe(statuses::add);
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> server.connections().size() == 6);
		assertThat(statuses).filteredOn((s) -> s.state() == State.RECONNECTING)
			.extracting(McpStreamStatus::nextDelay)
			.startsWith(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(50),
					Duration.ofMillis(100));
		assertThat(statuses).filteredOn((s) -> s.state() == State.RECONNECTING)
			.first()
			.satisfies((s) -> assertThat(s.cause()).hasMessageContaining("503"));
	}

	@Test
	void tooManyRequestsHonoursRetryAfter() {
		FakeEventServer server = server();
		server.plan(Plan.status(429, "Retry-After: 1\r\n"));
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> server.connections().size() == 2);
		assertThat(FakeEventServer.between(server.connections().get(0), server.connections().get(1)))
			.isGreaterThanOrEqualTo(Duration.ofMillis(1000));
	}

	@Test
	void notFoundStopsTheStreamWithAClearErrorAndNoHotLoop() throws InterruptedException {
		FakeEventServer server = server();
		server.plan(Plan.status(404, ""));
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.status().state() == State.FAILED);
		assertThat(stream.status().cause()).hasMessageContaining("404")
			.hasMessageContaining("cloudrun.mcp.events-path");
		Thread.sleep(300);
		assertThat(server.connections()).hasSize(1);
	}

	@Test
	void forbiddenStopsTheStreamWithInvokerAdvice() {
		FakeEventServer server = server();
		server.plan(Plan.status(403, ""));
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.status().state() == State.FAILED);
		assertThat(stream.status().cause()).hasMessageContaining("roles/run.invoker");
	}

	@Test
	void noContentClosesTheStream() {
		FakeEventServer server = server();
		server.plan(Plan.status(204, ""));
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.status().state() == State.CLOSED);
		assertThat(server.connections()).hasSize(1);
	}

	@Test
	void silentConnectionIsReopenedAfterReadTimeout() {
		FakeEventServer server = server();
		StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1024, Duration.ofMillis(300),
				Duration.ofSeconds(1),
				new StreamSettings.Reconnect(Duration.ofMillis(10), Duration.ofMillis(50), 2, 0, 0));
		McpEventStream stream = stream(server, settings, (e) -> {
		});
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> server.connections().size() >= 3);
	}

	@Test
	void oversizedEventEndsTheConnectionAndIsReported() {
		FakeEventServer server = server();
		server.publish(null, "{\"seq\":1}");
		server.publish(null, "x".repeat(5000));
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1000, Duration.ofSeconds(30),
				Duration.ofSeconds(1),
				new StreamSettings.Reconnect(Duration.ofMillis(50), Duration.ofMillis(200), 2, 0, 2));
		List<McpEvent> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, settings, received::add);
		stream.statusChanges().subscribe(statuses::add);
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.status().state() == State.FAILED);
		assertThat(received).hasSize(1);
		assertThat(statuses).filteredOn((s) -> s.state() == State.RECONNECTING)
			.first()
			.satisfies((s) -> assertThat(s.cause()).isInstanceOf(SseEventTooLargeException.class));
		// Resumed after the good event each time, with backoff, then gave up.
		assertThat(server.connections()).hasSize(3);
		assertThat(server.connections().subList(1, 3)).allMatch((c) -> "1".equals(c.lastEventId()));
	}

	@Test
	void unreachableServerGivesUpAfterMaxAttempts() {
		FakeEventServer server = server();
		server.stop();
		McpEventStream stream = stream(server, settings(32, OverflowPolicy.BLOCK, Duration.ofMillis(10), 3), (e) -> {
		});
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.status().state() == State.FAILED);
		assertThat(stream.stats().connections()).isEqualTo(4);
		assertThat(stream.status().cause()).isNotNull();
	}

	@Test
	void slowListenerAppliesBackPressureToTheSocketAndLosesNothing() throws InterruptedException {
		FakeEventServer server = server();
		int total = 200_000;
		String padding = "p".repeat(80);
		for (int i = 1; i <= total; i++) {
			server.publish(null, "{\"seq\":" + i + ",\"pad\":\"" + padding + "\"}");
		}
		CountDownLatch release = new CountDownLatch(1);
		List<Integer> received = Collections.synchronizedList(new ArrayList<>());
		McpEventStream stream = stream(server, fast(), (event) -> {
			received.add(event.json().get("seq").asInt());
			if (received.size() == 1) {
				awaitLatch(release);
			}
		});
		stream.start();
		// On a busy machine the server may take a while to start writing: wait for the
		// first event, then until the server's writes stall.
		await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
		long[] last = { -1 };
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
			long now = server.eventsWritten();
			boolean stalled = now == last[0];
			last[0] = now;
			return stalled;
		});
		long writtenWhileBlocked = server.eventsWritten();
		McpEventStream.Stats stats = stream.stats();
		// The socket stopped being read: the server could not write everything...
		assertThat(writtenWhileBlocked).isLessThan(total / 2);
		// ...and the client holds a bounded number of parsed events.
		assertThat(stats.received() - stats.delivered()).isLessThan(2_000);
		Thread.sleep(500);
		assertThat(server.eventsWritten()).isEqualTo(writtenWhileBlocked);
		release.countDown();
		await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == total);
		assertThat(received).containsExactlyElementsOf(IntStream.rangeClosed(1, total).boxed().toList());
		assertThat(stream.stats().dropped()).isZero();
	}

	@Test
	void dropOldestCountsEveryDropExactly() {
		FakeEventServer server = server();
		int total = 5_000;
		server.publishNumbered(total);
		CountDownLatch release = new CountDownLatch(1);
		List<Integer> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, settings(32, OverflowPolicy.DROP_OLDEST, Duration.ofMillis(20), 0),
				(event) -> {
					received.add(event.json().get("seq").asInt());
					if (received.size() == 1) {
						awaitLatch(release);
					}
				});
		stream.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> stream.stats().received() == total);
		release.countDown();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> stream.stats().delivered() + stream.stats().dropped() == total);
		assertThat(stream.stats().dropped()).isPositive();
		assertThat(received).hasSize((int) stream.stats().delivered()).isSorted();
		// The newest events survive drop-oldest.
		assertThat(received).last().isEqualTo(total);
	}

	@Test
	void shutdownDeliversWhatWasAlreadyReadThenCloses() {
		FakeEventServer server = server();
		server.publishNumbered(2000);
		List<Integer> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, fast(), (event) -> {
			received.add(event.json().get("seq").asInt());
			sleep(1);
		});
		List<McpEvent> subscriber = new CopyOnWriteArrayList<>();
		CountDownLatch completed = new CountDownLatch(1);
		stream.events().subscribe(subscriber::add, (ex) -> {
		}, completed::countDown);
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 100);
		stream.stop();
		McpEventStream.Stats stats = stream.stats();
		assertThat(stats.received()).isLessThan(2000);
		assertThat(stats.delivered()).isEqualTo(stats.received());
		assertThat(received).hasSize((int) stats.received())
			.containsExactlyElementsOf(IntStream.rangeClosed(1, received.size()).boxed().toList());
		assertThat(completed.getCount()).isZero();
		assertThat(subscriber).hasSize(received.size());
		assertThat(stream.status().state()).isEqualTo(State.CLOSED);
		assertThat(stream.isRunning()).isFalse();
		int connections = server.connections().size();
		sleep(200);
		assertThat(server.connections()).hasSize(connections);
	}

	@Test
	void streamCarriesAVerifiedIdTokenThroughTheFilter() {
		FakeMetadataServer metadata = FakeMetadataServer.started();
		this.closeables.add(metadata);
		FakeEventServer server = new FakeEventServer(metadata.issuer(), "/events").start();
		this.closeables.add(server);
		server.publishNumbered(5);
		IdTokenExchangeFilterFunction filter = IdTokenExchangeFilterFunction.forOrigin(
				new CachingIdTokenProvider(new GoogleIdTokenSource(metadata::credentials), Duration.ofMinutes(5)),
				URI.create(server.origin()), server.audience());
		List<McpEvent> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, fast(), received::add, WebClient.builder().filter(filter).build());
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 5);
		assertThat(server.connections()).singleElement().satisfies((c) -> assertThat(c.verification()).isEqualTo("ok"));
	}

	@Test
	void subscribersAfterStopReceiveTheEventsOfTheNextStart() {
		FakeEventServer server = server();
		server.publishNumbered(3);
		List<McpEvent> first = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		stream.events().subscribe(first::add);
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 3);
		stream.stop();
		List<McpEvent> second = new CopyOnWriteArrayList<>();
		stream.events().subscribe(second::add);
		server.publishNumbered(2);
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		stream.statusChanges().skip(1).subscribe(statuses::add);
		stream.start();
		// The restarted stream resumes after the last event it delivered.
		await().atMost(Duration.ofSeconds(10)).until(() -> second.size() == 2);
		assertThat(second).extracting(McpEvent::id).containsExactly("4", "5");
		assertThat(first).hasSize(3);
		// A restart connects at once, without a reconnect delay, and reports each step:
		// not the source's status from before the stop.
		assertThat(statuses).extracting(McpStreamStatus::state).startsWith(State.CONNECTING, State.OPEN);
		assertThat(statuses).allSatisfy((status) -> assertThat(status.nextDelay()).isNull());
	}

	@Test
	void manyStreamsShareAFewDispatchThreadsEachInOrderAndASlowListenerHoldsUpOnlyItsOwn() {
		FakeEventServer server = server();
		int events = 500;
		server.publishNumbered(events);
		McpDispatchExecutor threads = McpDispatchExecutor.platformThreads(2);
		this.closeables.add(threads);
		CountDownLatch release = new CountDownLatch(1);
		List<Integer> slow = new CopyOnWriteArrayList<>();
		Set<String> threadNames = ConcurrentHashMap.newKeySet();
		Map<String, List<Integer>> received = new ConcurrentHashMap<>();
		int count = 20;
		for (int i = 0; i < count; i++) {
			String name = "s" + i;
			List<Integer> seqs = new CopyOnWriteArrayList<>();
			received.put(name, seqs);
			Consumer<McpEvent> listener = (event) -> {
				threadNames.add(Thread.currentThread().getName());
				seqs.add(event.json().get("seq").asInt());
			};
			if (i == 0) {
				listener = (event) -> {
					slow.add(event.json().get("seq").asInt());
					awaitLatch(release);
				};
			}
			URI url = URI.create(server.origin() + "/events");
			McpEventStream stream = new McpEventStream(name, url,
					new HttpEventSource(name, url, WebClient.create(), fast(), JsonMapper.builder().build()), fast(),
					JsonMapper.builder().build(), threads, listener);
			this.streams.add(stream);
			stream.start();
		}
		List<Integer> all = IntStream.rangeClosed(1, events).boxed().toList();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> received.entrySet()
				.stream()
				.filter((e) -> !e.getKey().equals("s0"))
				.allMatch((e) -> e.getValue().size() == events));
		received.forEach((name, seqs) -> {
			if (!name.equals("s0")) {
				assertThat(seqs).as(name).containsExactlyElementsOf(all);
			}
		});
		// The blocked listener holds one thread and its own stream only.
		assertThat(slow).containsExactly(1);
		assertThat(threadNames).isNotEmpty()
			.allMatch((n) -> n.startsWith("cloudrun-mcp-dispatch-"))
			.hasSizeLessThanOrEqualTo(2);
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(() -> slow.size() == events);
		assertThat(slow).containsExactlyElementsOf(all);
	}

	@Test
	void statusIsObservable() {
		FakeEventServer server = server();
		McpEventStream stream = stream(server, fast(), (e) -> {
		});
		assertThat(stream.status().state()).isEqualTo(State.NEW);
		List<State> states = new CopyOnWriteArrayList<>();
		stream.statusChanges().subscribe((s) -> states.add(s.state()));
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.status().state() == State.OPEN);
		stream.stop();
		assertThat(states).containsSubsequence(State.NEW, State.CONNECTING, State.OPEN, State.CLOSED);
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
