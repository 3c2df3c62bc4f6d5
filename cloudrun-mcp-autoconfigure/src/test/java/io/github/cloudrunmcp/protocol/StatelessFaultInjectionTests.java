package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The 2026-07-28 transport behind a {@link FaultProxy}, against the MCP Java SDK's own
 * server: the revision has no resumption, so every call either succeeds or fails with a
 * clear error within its timeout (none hangs), and the listen stream reopens after every
 * fault and says so with a resync event before the notifications that follow.
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

	@ParameterizedTest(name = "{0}")
	@MethodSource("faults")
	void theListenStreamReopensAndResyncsAfterEveryFault(String name, Fault fault) {
		mcp().run((context) -> {
			assertThat(context).hasNotFailed();
			Listeners listeners = context.getBean(Listeners.class);
			McpEventStream stream = context.getBean(McpEventStream.class);
			await().atMost(Duration.ofSeconds(30)).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
			server.toolsChanged();
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.types.contains(CHANGED));
			this.proxy.next(fault).next(fault).next(fault);
			this.proxy.resetAll();
			// Reopened past the three faulty connections: the stream says what may have
			// been missed.
			await().atMost(Duration.ofSeconds(30)).until(() -> listeners.types.contains(McpListenStream.RESYNC_TYPE));
			await().atMost(Duration.ofSeconds(30)).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
			int before = listeners.types.size();
			server.toolsChanged();
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.types.size() > before);
			assertThat(listeners.types.subList(before, listeners.types.size())).as(name).containsExactly(CHANGED);
			// A resync follows every reopen, and comes before what followed it.
			assertThat(listeners.types.get(0)).isEqualTo(CHANGED);
			assertThat(listeners.types.subList(1, before)).as(name)
				.isNotEmpty()
				.containsOnly(McpListenStream.RESYNC_TYPE);
		});
	}

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

		@McpListener
		void on(McpEvent event) {
			this.types.add(event.type());
		}

	}

}
