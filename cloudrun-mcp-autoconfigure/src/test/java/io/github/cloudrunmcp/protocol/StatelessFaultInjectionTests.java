package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.FaultProxy;
import io.github.cloudrunmcp.test.FaultProxy.Fault;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpAsyncClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The 2026-07-28 transport behind a {@link FaultProxy}, against the MCP Java SDK's own
 * server: the revision has no resumption, so every call either succeeds or fails with a
 * clear error within its timeout (none hangs), and the listen stream reopens after every
 * fault (those of the proxy's list, a redirect chain and a redirect loop) and says so
 * with a resync event before the notifications that follow: none of them is delivered
 * twice or out of order, and once reopened every one comes.
 */
class StatelessFaultInjectionTests {

	private static final int REQUEST_TIMEOUT_SECONDS = 5;

	private static JavaSdkStatelessServer server;

	private FaultProxy proxy;

	@BeforeAll
	static void startServer() throws Exception {
		server = JavaSdkStatelessServer.start();
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	@BeforeEach
	void startProxy() {
		this.proxy = FaultProxy.to("127.0.0.1", Integer.parseInt(server.origin().replaceAll(".*:", ""))).start();
	}

	@AfterEach
	void stopProxy() {
		this.proxy.stop();
	}

	static Stream<Arguments> faults() {
		return Stream.of(Arguments.of("reset in the middle of a response", Fault.resetAfter(180)),
				Arguments.of("chunked body cut short", Fault.cutAfter(180)),
				Arguments.of("half-open connection", Fault.halfOpenAfter(180)),
				Arguments.of("black hole", Fault.blackHole()),
				Arguments.of("headers that never come", Fault.headersNeverCome()),
				Arguments.of("latency", Fault.latency(Duration.ofMillis(30))),
				Arguments.of("bandwidth limit", Fault.bandwidth(2000)));
	}

	private ApplicationContextRunner mcp() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
					McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class))
			.withUserConfiguration(Listeners.class)
			.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin(), "cloudrun.mcp.auth.mode=none",
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28",
					"cloudrun.mcp.client.request-timeout=" + REQUEST_TIMEOUT_SECONDS + "s",
					"cloudrun.mcp.stream.read-timeout=1s", "cloudrun.mcp.stream.response-timeout=1s",
					"cloudrun.mcp.stream.reconnect.initial-delay=20ms", "cloudrun.mcp.stream.reconnect.max-delay=200ms",
					"cloudrun.mcp.stream.reconnect.jitter=0");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("faults")
	void everyCallSucceedsOrFailsClearlyWithinItsTimeout(String name, Fault fault) {
		mcp().withPropertyValues("cloudrun.mcp.stream.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			// The first call of a cold JVM on a busy machine may take longer than the
			// request timeout: the warm-up is not what is tested.
			await().atMost(Duration.ofSeconds(60))
				.ignoreExceptions()
				.until(() -> "warm-up from -".equals(echo(client, "warm-up")));
			this.proxy.next(fault).next(fault).next(fault);
			this.proxy.resetAll();
			// The client sees the resets before the first call.
			Thread.sleep(500);
			int succeeded = 0;
			for (int call = 1; call <= 6; call++) {
				long started = System.nanoTime();
				try {
					assertThat(echo(client, "call " + call)).isEqualTo("call " + call + " from -");
					succeeded++;
				}
				catch (RuntimeException ex) {
					assertThat(ex.getMessage()).as("%s: call %d failed without a message", name, call).isNotBlank();
				}
				// The client's own timeout ended it, not the test's.
				assertThat(Duration.ofNanos(System.nanoTime() - started)).as("%s: call %d", name, call)
					.isLessThan(Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS + 5));
			}
			// A call may take more than one request (the tool catalog, the call), so the
			// three faulty connections may fail more than three calls; once they are used
			// up, calls go through.
			assertThat(succeeded).as(name).isPositive();
			assertThat(echo(client, "after")).isEqualTo("after from -");
		});
	}

	static Stream<Arguments> listenFaults() {
		// The listen stream's connections meet the fault; the redirects send its POST
		// back to the proxy, so that a chain or a loop is made of the proxy's own
		// connections.
		return Stream.concat(faults(), Stream.of(Arguments.of("redirect chain", Fault.redirect(307, "/mcp")),
				Arguments.of("redirect loop", Fault.redirect(302, "/mcp"))));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("listenFaults")
	void theListenStreamReopensAndResyncsAfterEveryFaultWithNothingDuplicatedOrReordered(String name, Fault fault)
			throws InterruptedException {
		AtomicLong published = new AtomicLong();
		AtomicBoolean publishing = new AtomicBoolean(true);
		// Numbered notifications all along, 50 a second: the ones sent while the stream
		// is down are not delivered (the revision has no resumption), but none may come
		// twice or out of order.
		Thread publisher = new Thread(() -> {
			while (publishing.get()) {
				server.numbered(published.incrementAndGet());
				try {
					Thread.sleep(20);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "numbered-publisher");
		try {
			listenThroughFault(name, fault, publisher, publishing);
		}
		finally {
			publishing.set(false);
			publisher.interrupt();
		}
	}

	private void listenThroughFault(String name, Fault fault, Thread publisher, AtomicBoolean publishing) {
		ApplicationContextRunner runner = mcp();
		if (name.startsWith("redirect")) {
			// As in an application: the WebClient.Builder of Spring Boot, whose connector
			// follows redirects within the origin.
			runner = runner.withConfiguration(
					AutoConfigurations.of(HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
							WebClientAutoConfiguration.class, CodecsAutoConfiguration.class));
		}
		runner.run((context) -> {
			assertThat(context).hasNotFailed();
			Listeners listeners = context.getBean(Listeners.class);
			McpEventStream stream = context.getBean(McpEventStream.class);
			List<McpStreamStatus.State> states = new CopyOnWriteArrayList<>();
			stream.statusChanges().subscribe((status) -> states.add(status.state()));
			await().atMost(Duration.ofSeconds(30)).until(() -> states.contains(McpStreamStatus.State.OPEN));
			server.toolsChanged();
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.types.contains(CHANGED));
			publisher.start();
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.seqs.size() >= 10);
			if (name.equals("redirect loop")) {
				// Every connection is redirected for two seconds, then none. The client
				// gives up following after 50 hops and the 302 reaches the stream, which
				// retries it: a loop may end.
				int before = this.proxy.connections();
				this.proxy.always(fault);
				this.proxy.resetAll();
				Thread.sleep(2000);
				this.proxy.always(Fault.none());
				// The reconnect backoff (20 ms to 200 ms) bounds the attempts: each
				// attempt follows at most 50 redirects, so not a storm.
				assertThat(this.proxy.connections() - before).as("connections during the loop").isLessThan(1000);
				assertThat(stream.status().state()).isNotEqualTo(McpStreamStatus.State.FAILED);
			}
			else if (name.equals("redirect chain")) {
				this.proxy.next(fault).next(Fault.redirect(308, "/mcp")).next(Fault.redirect(301, "/mcp"));
				this.proxy.resetAll();
			}
			else {
				this.proxy.next(fault).next(fault).next(fault);
				this.proxy.resetAll();
			}
			int reset = listeners.arrivals.size();
			int statesAtReset = states.size();
			// Reopened: a resync, then 20 consecutive notifications on the new
			// connection.
			// Generous: the first test of a cold JVM on a busy machine is slow.
			await().atMost(Duration.ofSeconds(120))
				.until(() -> consecutiveAfterLastResync(
						listeners.arrivals.subList(reset, listeners.arrivals.size())) >= 20);
			publishing.set(false);
			publisher.join();
			// Anything late would show up now.
			Thread.sleep(300);
			List<Long> seqs = List.copyOf(listeners.seqs);
			assertThat(seqs).as("%s: no notification twice or out of order", name).isSorted().doesNotHaveDuplicates();
			assertThat(listeners.arrivals.subList(reset, listeners.arrivals.size())).as(name).contains(RESYNC);
			// The stream said it was open again.
			assertThat(states.subList(statesAtReset, states.size())).as(name).contains(McpStreamStatus.State.OPEN);
			// A resync follows every reopen and comes before what followed it.
			assertThat(listeners.types.get(0)).isEqualTo(CHANGED);
		});
	}

	/**
	 * Count the notifications after the last resync, if they are consecutive numbers.
	 */
	private static int consecutiveAfterLastResync(List<Object> arrivals) {
		int resync = arrivals.lastIndexOf(RESYNC);
		if (resync < 0) {
			return 0;
		}
		List<Object> after = arrivals.subList(resync + 1, arrivals.size());
		for (int i = 1; i < after.size(); i++) {
			if ((Long) after.get(i) != (Long) after.get(i - 1) + 1) {
				return 0;
			}
		}
		return after.size();
	}

	private static final String RESYNC = McpListenStream.RESYNC_TYPE;

	private static final String CHANGED = "notifications/tools/list_changed";

	private static String echo(McpAsyncClient client, String message) {
		McpSchema.CallToolResult result = client.tool("echo")
			.arguments(Map.of("message", message))
			.call()
			.block(Duration.ofSeconds(60));
		return ((McpSchema.TextContent) result.content().get(0)).text();
	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final List<String> types = new CopyOnWriteArrayList<>();

		final List<Long> seqs = new CopyOnWriteArrayList<>();

		/** Resyncs and notification numbers, in the order they came. */
		final List<Object> arrivals = new CopyOnWriteArrayList<>();

		@McpListener
		void on(McpEvent event) {
			this.types.add(event.type());
			if (MESSAGE.equals(event.type())) {
				long seq = Long.parseLong(event.json().path("params").path("data").asString());
				this.seqs.add(seq);
				this.arrivals.add(seq);
			}
			else if (RESYNC.equals(event.type())) {
				this.arrivals.add(RESYNC);
			}
		}

	}

	private static final String MESSAGE = "notifications/message";

}
