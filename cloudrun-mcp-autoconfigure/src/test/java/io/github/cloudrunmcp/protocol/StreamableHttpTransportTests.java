package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpHealthAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Streamable HTTP transport against a scripted server that misbehaves the ways real
 * ones do.
 */
class StreamableHttpTransportTests {

	private static final String PROGRESS = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
			+ "\"params\":{\"progressToken\":\"t\",\"progress\":1,\"total\":2}}";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class, McpHealthAutoConfiguration.class));

	private FakeMcpServer server;

	@BeforeEach
	void start() {
		this.server = new FakeMcpServer();
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop();
	}

	// Initialize may take 20 s: the first context of a test JVM on a busy machine can
	// need
	// more than a few seconds. Tests of the timeout itself set a short one.
	private ApplicationContextRunner mcp() {
		return this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
				"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2025-11-25",
				"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.client.request-timeout=10s",
				"cloudrun.mcp.client.initialize-timeout=20s", "cloudrun.mcp.stream.reconnect.initial-delay=50ms",
				"cloudrun.mcp.stream.reconnect.jitter=0");
	}

	@Test
	void initializesAtStartUpThenSendsSessionAndProtocolHeaders() {
		mcp().run((context) -> {
			assertThat(context).hasNotFailed();
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			assertThat(client.isInitialized()).isTrue();
			assertThat(client.listTools().block().tools()).extracting(McpSchema.Tool::name).containsExactly("echo");
			FakeMcpServer.Request initialize = this.server.requests("initialize").get(0);
			assertThat(initialize.sessionId()).isNull();
			FakeMcpServer.Request list = this.server.requests("tools/list").get(0);
			assertThat(list.sessionId()).isEqualTo("session-1");
			assertThat(list.protocolVersion()).isEqualTo("2025-11-25");
			assertThat(context.getBean(McpAsyncClient.class)).isSameAs(context.getBean(McpSession.class).async());
		});
	}

	@Test
	void finishedExchangesAreNotKept() {
		mcp().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			for (int i = 0; i < 200; i++) {
				client.listTools().block();
			}
			ResumableStreamableHttpTransport transport = context.getBean(ResumableStreamableHttpTransport.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> transport.activeExchanges() == 0);
		});
	}

	@Test
	void garbageJsonFailsTheCallAtOnceWithTheBody() {
		this.server.on("tools/list", (request) -> Reply.json(200, "<html>this is not json"));
		mcp().run((context) -> {
			long started = System.nanoTime();
			assertThatThrownBy(() -> context.getBean(McpAsyncClient.class).listTools().block())
				.hasMessageContaining("not a JSON-RPC message")
				.hasMessageContaining("<html>this is not json");
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
		});
	}

	@Test
	void jsonRpcErrorReachesTheCaller() {
		this.server.on("tools/call", (request) -> Reply.error(request.id(), -32602, "Unknown tool: nope"));
		mcp().run((context) -> assertThatThrownBy(() -> context.getBean(McpAsyncClient.class)
			.callTool(new McpSchema.CallToolRequest("nope", Map.of()))
			.block()).hasMessageContaining("Unknown tool: nope"));
	}

	@Test
	void callWithoutAnswerFailsNamingTheRequestTimeout() {
		this.server.on("tools/call", (request) -> Reply.hang());
		// The runner's request-timeout of 10 s: a shorter one could end the initialize
		// too on a busy machine.
		mcp().run((context) -> {
			McpOperations operations = context.getBean(McpOperations.class);
			assertThatThrownBy(() -> operations.callTool("echo", Map.of()).block(Duration.ofSeconds(30)))
				.isInstanceOf(McpProtocolException.class)
				.hasMessageContaining("'default' did not answer tools/call")
				.hasMessageContaining("cloudrun.mcp.client.request-timeout");
		});
	}

	@Test
	void serverErrorIsAClearErrorAndTheSessionGoesOn() {
		this.server.on("tools/call", (request) -> Reply.json(500, "{\"detail\":\"boom\"}"));
		mcp().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest("echo", Map.of())).block())
				.hasMessageContaining("answered POST")
				.hasMessageContaining("500")
				.hasMessageContaining("boom");
			assertThat(client.listTools().block().tools()).hasSize(1);
		});
	}

	@Test
	void sessionUnknownToTheServerStartsANewSession() {
		mcp().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			// The GET stream's 405 first, so that the call below is what finds the
			// session gone (a GET that found it gone would start the renewal on its own).
			await().atMost(Duration.ofSeconds(5)).until(() -> !this.server.requests("GET").isEmpty());
			this.server.expireSessions();
			assertThatThrownBy(() -> client.listTools().block()).hasMessageContaining("no longer knows the MCP session")
				.message()
				.doesNotContain("session-1");
			await().atMost(Duration.ofSeconds(5)).until(() -> this.server.requests("initialize").size() == 2);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(client.listTools().block().tools()).hasSize(1));
			List<FakeMcpServer.Request> lists = this.server.requests("tools/list");
			assertThat(lists.get(lists.size() - 1).sessionId()).isEqualTo("session-2");
		});
	}

	@Test
	void initializeNeverAnsweredFailsStartUpWhenFailFast() {
		this.server.on("initialize", (request) -> Reply.hang());
		long started = System.nanoTime();
		mcp().withPropertyValues("cloudrun.mcp.client.initialize-timeout=2s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).cause()
				.isInstanceOf(McpInitializationException.class)
				.hasMessageContaining("could not be initialized")
				.hasMessageContaining(this.server.mcpUrl())
				.hasMessageContaining("fail-fast");
		});
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
	}

	@Test
	void unreachableServerDoesNotFailStartUpAndIsInitializedWhenItComesUp() {
		this.server.stop();
		mcp().withPropertyValues("cloudrun.mcp.fail-fast=false").run((context) -> {
			assertThat(context).hasNotFailed();
			McpEventStream stream = context.getBean(McpEventStream.class);
			assertThat(stream.status().state()).isNotEqualTo(McpStreamStatus.State.OPEN);
			assertThat(context.getBean(McpAsyncClient.class).isInitialized()).isFalse();
			HealthIndicator health = (HealthIndicator) context
				.getBean("mcpHealthContributor", CompositeHealthContributor.class)
				.getContributor("default");
			await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
			assertThat(health.health().getDetails()).containsKey("error");
			this.server.start();
			await().atMost(Duration.ofSeconds(15)).until(() -> context.getBean(McpAsyncClient.class).isInitialized());
			await().atMost(Duration.ofSeconds(5)).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
			assertThat(health.health().getStatus()).isEqualTo(Status.UP);
			assertThat(health.health().getDetails()).containsEntry("url", this.server.mcpUrl());
		});
	}

	@Test
	void unreachableServerFailsStartUpWhenFailFast() {
		this.server.stop();
		mcp().run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).cause()
				.isInstanceOf(McpInitializationException.class)
				.hasMessageContaining("Connection refused");
		});
	}

	@Test
	void responseStreamThatEndsEarlyIsResumedWithLastEventId() {
		AtomicReference<String> callId = new AtomicReference<>();
		this.server.on("tools/call", (request) -> {
			callId.set(request.id());
			return Reply.sse(Reply.event("e1", PROGRESS));
		});
		this.server.onGet((request) -> "e1".equals(request.lastEventId())
				? Reply.sse(Reply.event("e2",
						"{\"jsonrpc\":\"2.0\",\"id\":" + callId.get()
								+ ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"resumed\"}]}}"))
				: Reply.status(405));
		mcp().withUserConfiguration(Listeners.class).run((context) -> {
			McpSchema.CallToolResult result = context.getBean(McpAsyncClient.class)
				.callTool(new McpSchema.CallToolRequest("echo", Map.of()))
				.block();
			assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("resumed");
			assertThat(this.server.requests("GET")).extracting(FakeMcpServer.Request::lastEventId).contains("e1");
			Listeners listeners = context.getBean(Listeners.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> listeners.events.size() == 1);
			assertThat(listeners.events.get(0).id()).isEqualTo("e1");
		});
	}

	@Test
	void responsesThatShareOneEventIdAreAllDelivered() {
		// As servers built on the SDK's servlet transport do: every event carries the
		// session ID.
		this.server.on("tools/call", (request) -> Reply.sse(Reply.event("session-1", "{\"jsonrpc\":\"2.0\",\"id\":"
				+ request.id() + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}")));
		mcp().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			for (int i = 0; i < 3; i++) {
				assertThat(client.callTool(new McpSchema.CallToolRequest("echo", Map.of())).block().content())
					.hasSize(1);
			}
		});
	}

	@Test
	void aServerThatPollsWithPrimingEventsIsFollowedUntilItAnswers() {
		AtomicReference<String> callId = new AtomicReference<>();
		this.server.on("tools/call", (request) -> {
			callId.set(request.id());
			return Reply.sse(Reply.event("p1", ""));
		});
		this.server.onGet((request) -> {
			if ("p1".equals(request.lastEventId())) {
				return Reply.sse(Reply.event("p2", ""));
			}
			if ("p2".equals(request.lastEventId())) {
				return Reply.sse(Reply.event("p3", ""));
			}
			if ("p3".equals(request.lastEventId())) {
				return Reply.sse(Reply.event("p4", "{\"jsonrpc\":\"2.0\",\"id\":" + callId.get()
						+ ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"polled\"}]}}"));
			}
			return Reply.status(405);
		});
		// Clean closes after progress are not failures: two attempts are enough.
		mcp().withPropertyValues("cloudrun.mcp.stream.reconnect.max-attempts=2").run((context) -> {
			McpSchema.CallToolResult result = context.getBean(McpAsyncClient.class)
				.callTool(new McpSchema.CallToolRequest("echo", Map.of()))
				.block();
			assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("polled");
			assertThat(this.server.requests("GET")).extracting(FakeMcpServer.Request::lastEventId)
				.contains("p1", "p2", "p3");
		});
	}

	@Test
	void responseStreamThatEndsWithoutEventIdsFailsTheCallAtOnce() {
		this.server.on("tools/call", (request) -> Reply.sse(Reply.event(null, PROGRESS)));
		mcp().run((context) -> {
			long started = System.nanoTime();
			assertThatThrownBy(() -> context.getBean(McpAsyncClient.class)
				.callTool(new McpSchema.CallToolRequest("echo", Map.of()))
				.block()).hasMessageContaining("without an event ID to resume from");
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
		});
	}

	@Test
	void notificationStreamReopensAfterACleanCloseAndDeliversReplaysOnce() {
		String log = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\","
				+ "\"data\":\"%s\"}}";
		this.server.onGet((request) -> {
			if (request.lastEventId() == null) {
				return Reply.sse("retry: 100\n\n", Reply.event("n1", log.formatted("one")));
			}
			if ("n1".equals(request.lastEventId())) {
				// Replays n1 again, then the next one, then closes as Cloud Run does.
				return Reply.sse(Reply.event("n1", log.formatted("one")), Reply.event("n2", log.formatted("two")));
			}
			return Reply.hang();
		});
		mcp().withUserConfiguration(Listeners.class).run((context) -> {
			Listeners listeners = context.getBean(Listeners.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> listeners.logs.size() >= 2);
			await().atMost(Duration.ofSeconds(5)).until(() -> this.server.requests("GET").size() >= 3);
			assertThat(listeners.logs).containsExactly("one", "two");
			assertThat(this.server.requests("GET")).extracting(FakeMcpServer.Request::lastEventId)
				.startsWith(null, "n1", "n2");
		});
	}

	@Test
	void everyNotificationReachesListenersWithItsMethodAsType() {
		List<String> methods = List.of("notifications/resources/updated", "notifications/resources/list_changed",
				"notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/cancelled",
				"notifications/message", "notifications/progress", "notifications/custom/thing");
		this.server.onGet((request) -> {
			if (request.lastEventId() != null) {
				return Reply.hang();
			}
			String[] events = new String[methods.size()];
			for (int i = 0; i < events.length; i++) {
				events[i] = Reply.event("m" + i, "{\"jsonrpc\":\"2.0\",\"method\":\"" + methods.get(i)
						+ "\",\"params\":{\"uri\":\"u" + i + "\"}}");
			}
			return Reply.sse(events);
		});
		mcp().withUserConfiguration(AllEvents.class).run((context) -> {
			AllEvents all = context.getBean(AllEvents.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> all.events.size() == methods.size());
			assertThat(all.events).extracting(McpEvent::type).containsExactlyElementsOf(methods);
			assertThat(all.events).allSatisfy((event) -> assertThat(event.isJsonRpc()).isTrue());
			assertThat(all.events.get(0).as(McpSchema.ResourcesUpdatedNotification.class).uri()).isEqualTo("u0");
		});
	}

	@Test
	void serverRequestsAreAnsweredByTheHandlersAndTheirCapabilitiesDeclared() {
		this.server.onGet((request) -> (request.lastEventId() == null) ? Reply.sse(Reply.event("g1",
				"{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"sampling/createMessage\",\"params\":{\"messages\":"
						+ "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}}],\"maxTokens\":5}}"))
				: Reply.hang());
		mcp().withUserConfiguration(Sampling.class).run((context) -> {
			FakeMcpServer.Request initialize = this.server.requests("initialize").get(0);
			assertThat(initialize.body().path("params").path("capabilities").has("sampling")).isTrue();
			assertThat(initialize.body().path("params").path("capabilities").has("elicitation")).isFalse();
			await().atMost(Duration.ofSeconds(5)).until(() -> answer("s1") != null);
			assertThat(answer("s1").body().path("result").path("content").path("text").asString())
				.isEqualTo("sampled for default");
		});
	}

	@Test
	void serverRequestsWithoutAHandlerAreDeclined() {
		this.server.onGet((request) -> (request.lastEventId() == null) ? Reply.sse(Reply.event("g1",
				"{\"jsonrpc\":\"2.0\",\"id\":\"e1\",\"method\":\"elicitation/create\",\"params\":{\"message\":\"?\","
						+ "\"requestedSchema\":{\"type\":\"object\",\"properties\":{}}}}"))
				: Reply.hang());
		mcp().run((context) -> {
			FakeMcpServer.Request initialize = this.server.requests("initialize").get(0);
			assertThat(initialize.body().path("params").path("capabilities").has("elicitation")).isFalse();
			await().atMost(Duration.ofSeconds(5)).until(() -> answer("e1") != null);
			assertThat(answer("e1").body().path("error").path("code").asInt()).isEqualTo(-32601);
		});
	}

	@Test
	void closingTheContextEndsTheSessionWithDelete() {
		mcp().run((context) -> assertThat(context).hasNotFailed());
		List<FakeMcpServer.Request> deletes = this.server.requests("DELETE");
		assertThat(deletes).hasSize(1);
		assertThat(deletes.get(0).sessionId()).isEqualTo("session-1");
	}

	@Test
	void lazyClientsInitializeOnFirstUse() {
		mcp().withPropertyValues("cloudrun.mcp.client.lazy=true").run((context) -> {
			assertThat(this.server.requests("initialize")).isEmpty();
			assertThat(context.getBean(McpAsyncClient.class).listTools().block().tools()).hasSize(1);
			assertThat(this.server.requests("initialize")).hasSize(1);
		});
	}

	private FakeMcpServer.Request answer(String id) {
		return this.server.requests()
			.stream()
			.filter((request) -> request.body().has("id") && id.equals(request.body().path("id").asString())
					&& !request.body().has("method"))
			.findFirst()
			.orElse(null);
	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final List<McpEvent> events = new CopyOnWriteArrayList<>();

		final List<String> logs = new CopyOnWriteArrayList<>();

		@McpListener("notifications/progress")
		void progress(McpEvent event) {
			this.events.add(event);
		}

		@McpListener("notifications/message")
		void log(McpSchema.LoggingMessageNotification notification) {
			this.logs.add(String.valueOf(notification.data()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AllEvents {

		final List<McpEvent> events = new CopyOnWriteArrayList<>();

		@McpListener
		void any(McpEvent event) {
			this.events.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Sampling {

		@Bean
		McpSamplingHandler sampling() {
			return (server,
					request) -> Mono.just(McpSchema.CreateMessageResult.builder()
						.role(McpSchema.Role.ASSISTANT)
						.content(new McpSchema.TextContent("sampled for " + server))
						.model("test")
						.build());
		}

	}

}
