package io.github.cloudrunmcp.stream;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.github.cloudrunmcp.stream.McpStreamStatus.State;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeEventServer.Plan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.support.GenericApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How streams stop together and how they keep a listener-only application up.
 */
class McpStreamLifecycleTests {

	private final List<AutoCloseable> closeables = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	private FakeEventServer server() {
		FakeEventServer server = new FakeEventServer().start();
		this.closeables.add(server);
		return server;
	}

	private static StreamSettings settings(Duration shutdownGrace) {
		return new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(30), shutdownGrace,
				new StreamSettings.Reconnect(Duration.ofMillis(20), Duration.ofSeconds(1), 2.0, 0.0, 0));
	}

	private static McpEventStream stream(String name, FakeEventServer server, StreamSettings settings,
			Consumer<McpEvent> dispatcher) {
		return new McpEventStream(name, URI.create(server.origin() + "/events"), WebClient.create(), settings,
				JsonMapper.builder().build(), dispatcher);
	}

	@Test
	void severalStreamsDrainInParallelWithinOneGrace() {
		FakeEventServer server = server();
		server.publishNumbered(2000);
		int count = 4;
		// Each listener is too slow to drain its buffer within the grace: every stream
		// needs the whole grace to stop.
		List<McpEventStream> streams = new ArrayList<>();
		GenericApplicationContext context = new GenericApplicationContext();
		for (int i = 0; i < count; i++) {
			McpEventStream stream = stream("s" + i, server, settings(Duration.ofSeconds(1)), (event) -> sleep(100));
			streams.add(stream);
			context.registerBean("stream" + i, McpEventStream.class, () -> stream);
		}
		context.refresh();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> streams.stream().allMatch((stream) -> stream.stats().delivered() >= 1));
		long start = System.nanoTime();
		context.close();
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		// One after another they would take 4 graces.
		assertThat(took).isLessThan(Duration.ofMillis(2900));
		assertThat(streams).allSatisfy((stream) -> {
			assertThat(stream.isRunning()).isFalse();
			assertThat(stream.status().state()).isEqualTo(State.CLOSED);
		});
	}

	@Test
	void manyStreamsStopInParallelWithoutAThreadEach() {
		FakeEventServer server = server();
		server.publishNumbered(50);
		int count = 200;
		Duration grace = Duration.ofSeconds(1);
		// Listeners too slow to drain within the grace, on the shared dispatch threads:
		// every stream waits the whole grace, then its listener is interrupted.
		List<McpEventStream> streams = new ArrayList<>();
		GenericApplicationContext context = new GenericApplicationContext();
		for (int i = 0; i < count; i++) {
			McpEventStream stream = stream("s" + i, server, settings(grace), (event) -> sleep(100));
			streams.add(stream);
			context.registerBean("stream" + i, McpEventStream.class, () -> stream);
		}
		context.refresh();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> streams.stream().allMatch((stream) -> stream.stats().received() >= 2));
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long startedBefore = threads.getTotalStartedThreadCount();
		long start = System.nanoTime();
		context.close();
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		long startedDuringStop = threads.getTotalStartedThreadCount() - startedBefore;
		// A thread per stream would start 200; the stops share one (started at the first
		// stop of this JVM), and the rest is what the JVM and Reactor start meanwhile.
		assertThat(startedDuringStop).isLessThan(20);
		// One grace for all of them, with room for a busy machine; one after another
		// they would take 200 graces.
		assertThat(took).isGreaterThanOrEqualTo(grace).isLessThan(grace.multipliedBy(5));
		assertThat(streams).allSatisfy((stream) -> {
			assertThat(stream.isRunning()).isFalse();
			assertThat(stream.status().state()).isEqualTo(State.CLOSED);
		});
	}

	@Test
	void stopWithACallbackReturnsAtOnceAndCallsBackWhenDrained() throws InterruptedException {
		FakeEventServer server = server();
		server.publishNumbered(50);
		McpEventStream stream = stream("s", server, settings(Duration.ofSeconds(5)), (event) -> sleep(20));
		stream.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().delivered() >= 1);
		CountDownLatch done = new CountDownLatch(1);
		stream.stop(done::countDown);
		assertThat(stream.isRunning()).isFalse();
		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(stream.stats().delivered()).isEqualTo(stream.stats().received());
		assertThat(stream.status().state()).isEqualTo(State.CLOSED);
	}

	@Test
	void keepAliveHoldsANonDaemonThreadWhileAStreamRunsAndLetsGoWhenItStops() {
		FakeEventServer server = server();
		McpEventStream stream = stream("s", server, settings(Duration.ofSeconds(1)), (event) -> {
		});
		McpStreamKeepAlive keepAlive = new McpStreamKeepAlive(() -> List.of(stream));
		stream.start();
		keepAlive.start();
		try {
			assertThat(keepAlive.isHolding()).isTrue();
			assertThat(Thread.getAllStackTraces().keySet())
				.filteredOn((thread) -> McpStreamKeepAlive.THREAD_NAME.equals(thread.getName()))
				.singleElement()
				.satisfies((thread) -> assertThat(thread.isDaemon()).isFalse());
			stream.stop();
			await().atMost(Duration.ofSeconds(10)).until(() -> !keepAlive.isHolding());
		}
		finally {
			keepAlive.stop();
			stream.stop();
		}
	}

	@Test
	void keepAliveLetsGoWhenEveryStreamEndedForGood() {
		FakeEventServer refusing = server();
		refusing.plan(Plan.status(404, ""));
		AtomicBoolean closeNow = new AtomicBoolean();
		ScriptedSseServer reopening = new ScriptedSseServer(
				(request) -> closeNow.get() ? ScriptedSseServer.Reply.status(204, Map.of())
						: ScriptedSseServer.Reply.events("id: 1\ndata: {}\n\n"));
		this.closeables.add(reopening);
		McpEventStream open = new McpEventStream("open", URI.create(reopening.url()), WebClient.create(),
				settings(Duration.ofSeconds(1)), JsonMapper.builder().build(), (event) -> {
				});
		McpEventStream failing = stream("failing", refusing, settings(Duration.ofSeconds(1)), (event) -> {
		});
		McpStreamKeepAlive keepAlive = new McpStreamKeepAlive(() -> List.of(open, failing));
		open.start();
		failing.start();
		keepAlive.start();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> failing.status().state() == State.FAILED);
			// The other stream still runs (it reconnects after each close): the
			// application stays up.
			await().atMost(Duration.ofSeconds(10)).until(() -> reopening.requests().size() >= 2);
			assertThat(keepAlive.isHolding()).isTrue();
			// 204: the server asks not to reconnect; nothing is left to wait for.
			closeNow.set(true);
			await().atMost(Duration.ofSeconds(10)).until(() -> !keepAlive.isHolding());
			assertThat(open.status().state()).isEqualTo(State.CLOSED);
		}
		finally {
			keepAlive.stop();
			open.stop();
			failing.stop();
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
