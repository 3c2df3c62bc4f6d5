package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import io.github.cloudrunmcp.test.FaultProxy;
import io.github.cloudrunmcp.test.FaultProxy.Fault;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The 2025-11-25 transport behind a {@link FaultProxy}: the GET notification stream and
 * the resumption of a POST's response stream meet every fault the proxy makes, and no
 * notification is lost, duplicated or reordered, since the server resumes from
 * {@code Last-Event-ID}.
 *
 * <p>
 * Faults are queued once the session is up, and every open connection is reset, so that
 * the next connections (the stream's reconnections, the call under test) are the faulty
 * ones.
 */
class StreamableHttpFaultInjectionTests {

	private static final int NOTIFICATIONS = 200;

	private static final int PROGRESS = 60;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class));

	private FakeMcpServer server;

	private FaultProxy proxy;

	private int published;

	@BeforeEach
	void start() {
		this.server = new FakeMcpServer();
		this.server.start();
		this.proxy = FaultProxy.to("127.0.0.1", this.server.port()).start();
	}

	@AfterEach
	void stop() {
		this.proxy.stop();
		this.server.stop();
	}

	static Stream<Arguments> faults() {
		// A notification is about 150 bytes after about 150 bytes of headers: these
		// counts
		// end inside one.
		return Stream.of(Arguments.of("reset in the middle of an event", Fault.resetAfter(517)),
				Arguments.of("chunked body cut short", Fault.cutAfter(1234)),
				Arguments.of("half-open connection", Fault.halfOpenAfter(777)),
				Arguments.of("black hole", Fault.blackHole()),
				Arguments.of("headers that never come", Fault.headersNeverCome()),
				Arguments.of("latency", Fault.latency(Duration.ofMillis(30))),
				Arguments.of("bandwidth limit", Fault.bandwidth(8000)));
	}

	static Stream<Arguments> streamFaults() {
		// The library's client here follows no redirects (no Spring Boot WebClient
		// configuration): each redirect reaches the GET stream, which retries one within
		// the origin.
		return Stream.concat(faults(), Stream.of(Arguments.of("redirect chain", Fault.redirect(307, "/mcp")),
				Arguments.of("redirect loop", Fault.redirect(302, "/mcp"))));
	}

	// Short timeouts so that silent connections are given up within a test; 60 s to
	// initialize, since the first context of a test JVM on a busy machine can be slow.
	private ApplicationContextRunner mcp() {
		return this.runner.withUserConfiguration(Listeners.class)
			.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin(),
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2025-11-25",
					"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.client.request-timeout=20s",
					"cloudrun.mcp.client.initialize-timeout=60s", "cloudrun.mcp.stream.read-timeout=1s",
					"cloudrun.mcp.stream.response-timeout=1s", "cloudrun.mcp.stream.reconnect.initial-delay=20ms",
					"cloudrun.mcp.stream.reconnect.max-delay=200ms", "cloudrun.mcp.stream.reconnect.jitter=0");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("streamFaults")
	void notificationStreamLosesDuplicatesAndReordersNothing(String name, Fault fault) {
		this.server.onGet(this.server::notifications);
		publish(NOTIFICATIONS / 2);
		mcp().run((context) -> {
			assertThat(context).hasNotFailed();
			Listeners listeners = context.getBean(Listeners.class);
			McpEventStream stream = context.getBean(McpEventStream.class);
			await().atMost(Duration.ofSeconds(30)).until(() -> listeners.seqs.size() >= NOTIFICATIONS / 2);
			int before = this.proxy.connections();
			if (name.equals("redirect loop")) {
				// Every connection is redirected until the loop ends: the stream keeps
				// trying with backoff, since a loop may end.
				this.proxy.always(fault);
				this.proxy.resetAll();
				await().atMost(Duration.ofSeconds(30)).until(() -> this.proxy.connections() - before >= 20);
				assertThat(stream.status().state()).isNotEqualTo(McpStreamStatus.State.FAILED);
				this.proxy.always(Fault.none());
			}
			else if (name.equals("redirect chain")) {
				this.proxy.next(fault).next(Fault.redirect(308, "/mcp")).next(Fault.redirect(301, "/mcp"));
				this.proxy.resetAll();
			}
			else {
				this.proxy.next(fault).next(fault).next(fault);
				this.proxy.resetAll();
			}
			publish(NOTIFICATIONS / 2);
			await().atMost(Duration.ofSeconds(30)).until(() -> listeners.seqs.size() >= NOTIFICATIONS);
			// Anything late would show up now.
			Thread.sleep(200);
			assertThat(listeners.seqs).as("%s: notifications in arrival order", name)
				.containsExactlyElementsOf(IntStream.rangeClosed(1, NOTIFICATIONS).boxed().toList());
			if (!name.equals("latency") && !name.equals("bandwidth limit")) {
				// The fault really ended the first three connections.
				assertThat(this.proxy.connections() - before).as("%s: connections after the reset", name)
					.isGreaterThanOrEqualTo(4);
			}
			assertThat(stream.status().state()).isEqualTo(McpStreamStatus.State.OPEN);
		});
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("faults")
	void aCallsResponseStreamIsResumedWithEveryProgressNotificationOnce(String name, Fault fault) {
		// The call's response stream: progress notifications 1..PROGRESS, then the
		// result; event IDs are positions in it, and a GET resumes after one.
		this.server.on("tools/call", (request) -> Reply.sse(callEvents(request.id(), 0)));
		this.server.onGet((request) -> (request.lastEventId() != null)
				? Reply.sse(callEvents(lastCallId(), Integer.parseInt(request.lastEventId()))) : Reply.status(405));
		mcp().withPropertyValues("cloudrun.mcp.client.request-timeout=15s").run((context) -> {
			assertThat(context).hasNotFailed();
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			Listeners listeners = context.getBean(Listeners.class);
			// The GET stream's 405 first, so that it takes no faulty connection.
			await().atMost(Duration.ofSeconds(10)).until(() -> !this.server.requests("GET").isEmpty());
			this.proxy.next(fault).next(fault).next(fault);
			this.proxy.resetAll();
			// The client sees the resets before the call: a call on a connection reset
			// under it fails, which is not what this test is about.
			Thread.sleep(500);
			McpSchema.CallToolRequest call = new McpSchema.CallToolRequest("echo", Map.of());
			if (name.equals("black hole") || name.equals("headers that never come")) {
				// A POST that got no answer has nothing to resume. A server may send a
				// long call's headers only with its JSON result, so the request-timeout
				// bounds the wait, not the response-timeout: each attempt that meets a
				// faulty connection fails in time and says why, until one goes through.
				boolean answered = false;
				for (int attempt = 1; attempt <= 4 && !answered; attempt++) {
					long started = System.nanoTime();
					try {
						assertThat(text(client.callTool(call).block(Duration.ofSeconds(60)))).isEqualTo("done");
						answered = true;
					}
					catch (RuntimeException ex) {
						assertThat(ex).as("%s: attempt %d", name, attempt).hasMessageContaining("within 15000ms");
					}
					assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
				}
				assertThat(answered).as(name).isTrue();
			}
			else {
				assertThat(text(client.callTool(call).block(Duration.ofSeconds(60)))).isEqualTo("done");
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.seqs.size() >= PROGRESS);
			Thread.sleep(200);
			assertThat(listeners.seqs).as("%s: progress in arrival order", name)
				.containsExactlyElementsOf(IntStream.rangeClosed(1, PROGRESS).boxed().toList());
		});
	}

	private void publish(int count) {
		for (int i = 0; i < count; i++) {
			// The data is the notification's position, for the order checks.
			this.published++;
			this.server.publishNotification("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":"
					+ "{\"level\":\"info\",\"data\":\"" + this.published + "\"}}");
		}
	}

	private static String[] callEvents(String id, int after) {
		String[] events = new String[PROGRESS + 1 - after];
		for (int i = after; i < PROGRESS; i++) {
			events[i - after] = Reply.event(String.valueOf(i + 1),
					"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"t\","
							+ "\"progress\":" + (i + 1) + ",\"total\":" + PROGRESS + "}}");
		}
		events[PROGRESS - after] = Reply.event(String.valueOf(PROGRESS + 1), "{\"jsonrpc\":\"2.0\",\"id\":" + id
				+ ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}");
		return events;
	}

	private String lastCallId() {
		List<FakeMcpServer.Request> calls = this.server.requests("tools/call");
		return calls.get(calls.size() - 1).id();
	}

	private static String text(McpSchema.CallToolResult result) {
		return ((McpSchema.TextContent) result.content().get(0)).text();
	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final List<Integer> seqs = new CopyOnWriteArrayList<>();

		@McpListener("notifications/message")
		void message(McpSchema.LoggingMessageNotification notification) {
			this.seqs.add(Integer.parseInt(String.valueOf(notification.data())));
		}

		@McpListener("notifications/progress")
		void progress(McpSchema.ProgressNotification notification) {
			this.seqs.add(notification.progress().intValue());
		}

	}

}
