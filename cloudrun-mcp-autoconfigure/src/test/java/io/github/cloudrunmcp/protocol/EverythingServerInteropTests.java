package io.github.cloudrunmcp.protocol;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.test.EverythingServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.RecordingProxy;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Interoperability with the official MCP reference server
 * ({@code @modelcontextprotocol/server-everything}), reached through a proxy that
 * verifies the ID token on every request and can drop the open streams.
 */
class EverythingServerInteropTests {

	private static final String AUDIENCE = "https://everything.example.com";

	private static TestTokenIssuer issuer;

	private static FakeMetadataServer metadata;

	private static EverythingServer everything;

	private static RecordingProxy proxy;

	@BeforeAll
	static void startServers() {
		issuer = new TestTokenIssuer();
		metadata = new FakeMetadataServer(issuer);
		metadata.start();
		everything = EverythingServer.start();
		proxy = new RecordingProxy(URI.create(everything.origin()), issuer, AUDIENCE);
		proxy.start();
	}

	@AfterAll
	static void stopServers() {
		if (proxy != null) {
			proxy.stop();
		}
		if (everything != null) {
			everything.close();
		}
		if (metadata != null) {
			metadata.stop();
		}
	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class))
		.withBean(GoogleCredentials.class, () -> metadata.credentials());

	@BeforeEach
	void clearProxy() {
		proxy.dropStreams();
	}

	private ApplicationContextRunner everything() {
		return this.runner.withPropertyValues("cloudrun.mcp.base-url=" + proxy.origin(),
				"cloudrun.mcp.audience=" + AUDIENCE, "cloudrun.mcp.auth.mode=google",
				"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2025-11-25",
				"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.stream.reconnect.initial-delay=100ms",
				"spring.application.name=interop-tests");
	}

	@Test
	void initializesListsAndCallsTools() {
		everything().run((context) -> {
			assertThat(context).hasNotFailed();
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			McpSchema.InitializeResult initialized = client.getCurrentInitializationResult();
			assertThat(initialized.protocolVersion()).isEqualTo("2025-11-25");
			assertThat(initialized.serverInfo().name()).isEqualTo("mcp-servers/everything");
			assertThat(client.listTools().block().tools()).extracting(McpSchema.Tool::name)
				.contains("echo", "get-sum", "trigger-long-running-operation");
			assertThat(text(client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "hi"))).block()))
				.isEqualTo("Echo: hi");
			assertThat(text(client.callTool(new McpSchema.CallToolRequest("get-sum", Map.of("a", 2, "b", 40))).block()))
				.contains("42");
			String session = context.getBean(ResumableStreamableHttpTransport.class).sessionId();
			assertThat(session).isNotBlank();
			assertThat(proxy.exchanges("POST")).filteredOn((exchange) -> !exchange.body().contains("\"initialize\""))
				.filteredOn((exchange) -> session.equals(exchange.sessionId()))
				.isNotEmpty()
				.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2025-11-25"));
		});
	}

	@Test
	void operationsListAndCallToolsReadResourcesAndGetPrompts() {
		everything().run((context) -> {
			McpOperations operations = context.getBean(McpOperations.class);
			assertThat(operations.revision()).contains(io.github.cloudrunmcp.server.McpRevision.V2025_11_25);
			assertThat(operations.sessionClient()).containsSame(context.getBean(McpAsyncClient.class));
			assertThat(operations.statelessClient()).isEmpty();
			assertThat(operations.listTools().block()).extracting(McpSchema.Tool::name).contains("echo", "get-sum");
			assertThat(text(operations.callTool("echo", Map.of("message", "agnostic")).block()))
				.isEqualTo("Echo: agnostic");
			List<McpSchema.Resource> resources = operations.listResources().block();
			assertThat(resources).isNotEmpty();
			McpSchema.ReadResourceResult read = operations.readResource(resources.get(0).uri()).block();
			assertThat(read.contents()).isNotEmpty()
				.allSatisfy((contents) -> assertThat(contents.uri()).isEqualTo(resources.get(0).uri()));
			List<McpSchema.Prompt> prompts = operations.listPrompts().block();
			assertThat(prompts).extracting(McpSchema.Prompt::name).contains("simple-prompt");
			assertThat(operations.getPrompt("simple-prompt", Map.of()).block().messages()).isNotEmpty();
		});
	}

	@Test
	void progressNotificationsReachListenersInOrder() {
		everything().withUserConfiguration(Listeners.class).run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			McpSchema.CallToolResult result = client
				.callTool(McpSchema.CallToolRequest.builder()
					.name("trigger-long-running-operation")
					.arguments(Map.of("duration", 1, "steps", 5))
					.progressToken("interop-progress")
					.build())
				.block();
			assertThat(text(result)).contains("completed");
			Listeners listeners = context.getBean(Listeners.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> listeners.progress.size() == 5);
			assertThat(listeners.progress).extracting(McpSchema.ProgressNotification::progress)
				.containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
			assertThat(listeners.progress).extracting(McpSchema.ProgressNotification::progressToken)
				.containsOnly("interop-progress");
		});
	}

	/**
	 * The reference server's example event store answers a resumption with an event ID
	 * where the SDK expects a stream ID, so live notifications after a resumed GET are
	 * only stored, not sent. They still arrive: when the silent stream reaches the read
	 * timeout, the client resumes again and the server replays them. Replays of what was
	 * already delivered are dropped by event ID.
	 */
	@Test
	void loggingNotificationsArriveAndKeepArrivingAfterTheStreamIsDropped() {
		everything().withUserConfiguration(Listeners.class)
			.withPropertyValues("cloudrun.mcp.stream.read-timeout=2s")
			.run((context) -> {
				McpAsyncClient client = context.getBean(McpAsyncClient.class);
				ResumableStreamableHttpTransport transport = context.getBean(ResumableStreamableHttpTransport.class);
				String session = transport.sessionId();
				await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openStreams() >= 1);
				client.setLoggingLevel(McpSchema.LoggingLevel.DEBUG).block();
				client.callTool(new McpSchema.CallToolRequest("toggle-simulated-logging", Map.of())).block();
				Listeners listeners = context.getBean(Listeners.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> listeners.logs.size() >= 1);
				int gets = proxy.exchanges("GET").size();
				assertThat(proxy.dropStreams()).isGreaterThanOrEqualTo(1);
				int logsAtDrop = listeners.logs.size();
				// Reopened with Last-Event-ID, and the session's notifications keep
				// coming.
				await().atMost(Duration.ofSeconds(5)).until(() -> proxy.exchanges("GET").size() > gets);
				RecordingProxy.Exchange reopened = proxy.exchanges("GET").get(gets);
				assertThat(reopened.lastEventId()).isNotBlank();
				assertThat(reopened.sessionId()).isEqualTo(session);
				await().atMost(Duration.ofSeconds(15)).until(() -> listeners.logs.size() > logsAtDrop);
				assertThat(transport.sessionId()).isEqualTo(session);
				assertThat(listeners.logEvents).extracting(McpEvent::id).doesNotHaveDuplicates();
				client.callTool(new McpSchema.CallToolRequest("toggle-simulated-logging", Map.of())).block();
			});
	}

	@Test
	void resourceSubscriptionUpdatesArrive() {
		everything().withUserConfiguration(Listeners.class).run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openStreams() >= 1);
			String uri = "demo://resource/dynamic/text/1";
			client.subscribeResource(new McpSchema.SubscribeRequest(uri)).block();
			client.callTool(new McpSchema.CallToolRequest("toggle-subscriber-updates", Map.of())).block();
			Listeners listeners = context.getBean(Listeners.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> !listeners.updates.isEmpty());
			assertThat(listeners.updates.get(0).uri()).isEqualTo(uri);
			client.callTool(new McpSchema.CallToolRequest("toggle-subscriber-updates", Map.of())).block();
		});
	}

	@Test
	void resourcesOfListenerMethodsAreSubscribedToWithoutAskingAndTheirUpdatesArrive() {
		everything().withUserConfiguration(ResourceListeners.class).run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openStreams() >= 1);
			client.callTool(new McpSchema.CallToolRequest("toggle-subscriber-updates", Map.of())).block();
			try {
				ResourceListeners listeners = context.getBean(ResourceListeners.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> !listeners.updates.isEmpty());
				assertThat(listeners.updates)
					.allSatisfy((event) -> assertThat(event.data()).contains("demo://resource/dynamic/text/2"));
			}
			finally {
				client.callTool(new McpSchema.CallToolRequest("toggle-subscriber-updates", Map.of())).block();
			}
		});
	}

	@Test
	void serverRequestsAreAnsweredByTheApplicationsHandlers() {
		everything().withUserConfiguration(Handlers.class).run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			assertThat(client.listTools().block().tools()).extracting(McpSchema.Tool::name)
				.contains("trigger-sampling-request", "trigger-elicitation-request", "get-roots-list");
			McpSchema.CallToolResult sampled = client
				.callTool(new McpSchema.CallToolRequest("trigger-sampling-request", Map.of("prompt", "2+2?")))
				.block();
			assertThat(text(sampled)).contains("four, said the model");
			McpSchema.CallToolResult roots = client.callTool(new McpSchema.CallToolRequest("get-roots-list", Map.of()))
				.block();
			assertThat(text(roots)).contains("file:///workspace");
			McpSchema.CallToolResult elicited = client
				.callTool(new McpSchema.CallToolRequest("trigger-elicitation-request", Map.of()))
				.block();
			assertThat(text(elicited)).contains("declined");
		});
	}

	@Test
	void everyRequestCarriesAValidIdTokenForTheAudience() {
		int before = proxy.exchanges().size();
		everything().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			client.listTools().block();
			client.ping().block();
			await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openStreams() >= 1);
		});
		List<RecordingProxy.Exchange> exchanges = proxy.exchanges().subList(before, proxy.exchanges().size());
		assertThat(exchanges).extracting(RecordingProxy.Exchange::method).contains("POST", "GET", "DELETE");
		assertThat(exchanges).allSatisfy((exchange) -> {
			assertThat(exchange.hadToken()).as(exchange.toString()).isTrue();
			assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue();
		});
	}

	private static String text(McpSchema.CallToolResult result) {
		StringBuilder text = new StringBuilder();
		for (McpSchema.Content content : result.content()) {
			if (content instanceof McpSchema.TextContent textContent) {
				text.append(textContent.text());
			}
		}
		return text.toString();
	}

	@Configuration(proxyBeanMethods = false)
	static class ResourceListeners {

		final List<McpEvent> updates = new CopyOnWriteArrayList<>();

		@McpListener(server = "default", resources = "demo://resource/dynamic/text/2")
		void updated(McpEvent event) {
			this.updates.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();

		final List<McpSchema.LoggingMessageNotification> logs = new CopyOnWriteArrayList<>();

		final List<McpEvent> logEvents = new CopyOnWriteArrayList<>();

		final List<McpSchema.ResourcesUpdatedNotification> updates = new CopyOnWriteArrayList<>();

		@McpListener("notifications/progress")
		void progress(McpSchema.ProgressNotification notification) {
			this.progress.add(notification);
		}

		@McpListener("notifications/message")
		void log(McpEvent event) {
			this.logEvents.add(event);
			this.logs.add(event.as(McpSchema.LoggingMessageNotification.class));
		}

		@McpListener("notifications/resources/updated")
		void updated(McpSchema.ResourcesUpdatedNotification notification) {
			this.updates.add(notification);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		@Bean
		McpSamplingHandler sampling() {
			return (server,
					request) -> Mono.just(McpSchema.CreateMessageResult.builder()
						.role(McpSchema.Role.ASSISTANT)
						.content(new McpSchema.TextContent("four, said the model"))
						.model("test-model")
						.build());
		}

		@Bean
		McpElicitationHandler elicitation() {
			return (server, request) -> Mono
				.just(McpSchema.ElicitResult.builder().message(McpSchema.ElicitResult.Action.DECLINE).build());
		}

		@Bean
		McpRootsProvider roots() {
			return (server) -> List.of(new McpSchema.Root("file:///workspace", "workspace"));
		}

	}

}
