package io.github.cloudrunmcp.protocol;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.RecordingProxy;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpAsyncClient;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link StatelessStreamableHttpTransport} under the SDK's 2026-07-28 client against the
 * MCP Java SDK's own 2026-07-28 server, through a proxy that verifies the ID token of
 * every request.
 */
class JavaSdkStatelessServerInteropTests {

	private static final String AUDIENCE = "https://stateless.example.com";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static TestTokenIssuer issuer;

	private static FakeMetadataServer metadata;

	private static JavaSdkStatelessServer server;

	private static RecordingProxy proxy;

	@BeforeAll
	static void startServers() throws Exception {
		issuer = new TestTokenIssuer();
		metadata = new FakeMetadataServer(issuer);
		metadata.start();
		server = JavaSdkStatelessServer.start();
		proxy = new RecordingProxy(URI.create(server.origin()), issuer, AUDIENCE);
		proxy.start();
	}

	@AfterAll
	static void stopServers() throws Exception {
		if (proxy != null) {
			proxy.stop();
		}
		if (server != null) {
			server.close();
		}
		if (metadata != null) {
			metadata.stop();
		}
	}

	private static ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class))
			.withBean(GoogleCredentials.class, () -> metadata.credentials())
			.withPropertyValues("cloudrun.mcp.base-url=" + proxy.origin(), "cloudrun.mcp.audience=" + AUDIENCE,
					"cloudrun.mcp.auth.mode=google");
	}

	private static McpAsyncClient client(IdTokenExchangeFilterFunction filter) {
		WebClient webClient = WebClient.builder().filter(filter).build();
		StatelessStreamableHttpTransport transport = new StatelessStreamableHttpTransport("stateless",
				URI.create(proxy.origin() + "/mcp"), webClient, McpJsonDefaults.getMapper());
		return McpClient.async(transport)
			.clientInfo(new McpSchema.Implementation("interop-tests", null, "1.0", null, null, null))
			.build();
	}

	@Test
	void discoversListsAndCallsToolsWithTheTokenOnEveryRequest() {
		runner().run((context) -> {
			int before = proxy.exchanges().size();
			McpAsyncClient client = client(context.getBean(IdTokenExchangeFilterFunction.class));
			McpSchema.DiscoverResult discovered = client.discover().block(TIMEOUT);
			assertThat(discovered.supportedVersions()).contains("2026-07-28");
			McpSchema.ListToolsResult tools = client.tools().list().block(TIMEOUT);
			assertThat(tools.tools()).extracting(McpSchema.Tool::name).contains("echo");
			McpSchema.CallToolResult result = client.tool("echo")
				.arguments(Map.of("message", "hi", "region", "eu-west1"))
				.call()
				.block(TIMEOUT);
			assertThat(text(result)).isEqualTo("hi from eu-west1");
			List<RecordingProxy.Exchange> exchanges = proxy.exchanges().subList(before, proxy.exchanges().size());
			assertThat(exchanges).isNotEmpty()
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue())
				.allSatisfy((exchange) -> assertThat(exchange.method()).isEqualTo("POST"))
				.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2026-07-28"))
				.allSatisfy((exchange) -> assertThat(exchange.sessionId()).isNull());
		});
	}

	@Test
	void everyPostCarriesMethodNameAndMirroredToolParameters() {
		runner().run((context) -> {
			McpAsyncClient client = client(context.getBean(IdTokenExchangeFilterFunction.class));
			client.tools().list().block(TIMEOUT);
			int before = server.requests().size();
			client.tool("echo").arguments(Map.of("message", "plain", "region", "us-central1")).call().block(TIMEOUT);
			client.tool("echo").arguments(Map.of("message", "unicode", "region", "Zürich")).call().block(TIMEOUT);
			client.tool("echo").arguments(Map.of("message", "absent")).call().block(TIMEOUT);
			List<Map<String, String>> calls = server.requests().subList(before, server.requests().size());
			assertThat(calls).hasSize(3)
				.allSatisfy((headers) -> assertThat(headers).containsEntry("mcp-method", "tools/call")
					.containsEntry("mcp-name", "echo")
					.containsEntry("mcp-protocol-version", "2026-07-28"));
			assertThat(calls.get(0)).containsEntry("mcp-param-region", "us-central1");
			assertThat(calls.get(1)).containsEntry("mcp-param-region",
					"=?base64?" + Base64.getEncoder().encodeToString("Zürich".getBytes(StandardCharsets.UTF_8)) + "?=");
			assertThat(calls.get(2)).doesNotContainKey("mcp-param-region");
		});
	}

	@Test
	void aToolWithAnInvalidHeaderAnnotationIsSkippedAndTheOthersStayUsable() {
		runner().run((context) -> {
			McpAsyncClient client = client(context.getBean(IdTokenExchangeFilterFunction.class));
			McpSchema.ListToolsResult tools = client.tools().list().block(TIMEOUT);
			assertThat(tools.tools()).extracting(McpSchema.Tool::name).containsExactly("echo", "book", "report");
			assertThat(tools.tools().get(0).inputSchema()).containsEntry("required", List.of("message"));
			assertThat(text(client.tool("echo").arguments(Map.of("message", "still")).call().block(TIMEOUT)))
				.isEqualTo("still from -");
		});
	}

	@Test
	void revision20260728GivesTheSdksClientsAndListChangesAndResyncsReachListeners() {
		runner()
			.withConfiguration(
					AutoConfigurations.of(McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28",
					"cloudrun.mcp.stream.reconnect.initial-delay=100ms")
			.withUserConfiguration(Listeners.class)
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(McpSession.class);
				McpSyncClient sync = context.getBean(McpSyncClient.class);
				assertThat(sync.tools().list().tools()).extracting(McpSchema.Tool::name).contains("echo");
				assertThat(context.getBean(McpAsyncClient.class).discover().block(TIMEOUT).supportedVersions())
					.contains("2026-07-28");
				Listeners listeners = context.getBean(Listeners.class);
				McpEventStream stream = context.getBean(McpEventStream.class);
				Awaitility.await().atMost(TIMEOUT).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
				server.toolsChanged();
				Awaitility.await()
					.atMost(TIMEOUT)
					.until(() -> listeners.types.contains("notifications/tools/list_changed"));
				// Cloud Run ends the request: the stream reopens and says what may be
				// missed.
				Awaitility.await().atMost(TIMEOUT).until(() -> proxy.dropStreams() > 0);
				Awaitility.await().atMost(TIMEOUT).until(() -> listeners.types.contains(McpListenStream.RESYNC_TYPE));
				server.toolsChanged();
				Awaitility.await()
					.atMost(TIMEOUT)
					.until(() -> listeners.types.stream()
						.filter("notifications/tools/list_changed"::equals)
						.count() == 2);
				assertThat(proxy.exchanges()).allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue());
			});
	}

	@Test
	void operationsListAndCallToolsInThe20251125TypesWithSchemasVerbatim() {
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28")
			.run((context) -> {
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(operations.server()).isEqualTo("default");
				assertThat(operations.revision()).contains(io.github.cloudrunmcp.server.McpRevision.V2026_07_28);
				assertThat(operations.statelessClient()).containsSame(context.getBean(McpAsyncClient.class));
				assertThat(operations.sessionClient()).isEmpty();
				List<io.modelcontextprotocol.spec.McpSchema.Tool> tools = operations.listTools().block(TIMEOUT);
				assertThat(tools).extracting(io.modelcontextprotocol.spec.McpSchema.Tool::name)
					.containsExactly("echo", "book", "report");
				assertThat(tools.get(0).inputSchema()).containsEntry("required", List.of("message"))
					.extractingByKey("properties")
					.asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
					.extractingByKey("region")
					.isEqualTo(Map.of("type", "string", "x-mcp-header", "Region"));
				int before = server.requests().size();
				io.modelcontextprotocol.spec.McpSchema.CallToolResult result = operations
					.callTool("echo", Map.of("message", "agnostic", "region", "eu"))
					.block(TIMEOUT);
				assertThat(((io.modelcontextprotocol.spec.McpSchema.TextContent) result.content().get(0)).text())
					.isEqualTo("agnostic from eu");
				assertThat(server.requests().subList(before, server.requests().size()))
					.filteredOn((headers) -> "tools/call".equals(headers.get("mcp-method")))
					.singleElement()
					.satisfies((headers) -> assertThat(headers).containsEntry("mcp-param-region", "eu"));
			});
	}

	@Test
	void inputRequestsAreAnsweredByTheElicitationHandlerWithRequestStateEchoedAndDefaultsFilled() {
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28")
			.withBean(McpElicitationHandler.class,
					() -> (name,
							request) -> Mono.just(io.modelcontextprotocol.spec.McpSchema.ElicitResult
								.builder(io.modelcontextprotocol.spec.McpSchema.ElicitResult.Action.ACCEPT)
								.content(Map.of("seat", name + "-" + request.message().length()))
								.build()))
			.run((context) -> {
				int before = server.requests().size();
				McpSchema.CallToolResult result = context.getBean(McpAsyncClient.class)
					.tool("book")
					.arguments(Map.of("flight", "LX38"))
					.call()
					.block(TIMEOUT);
				assertThat(text(result)).isEqualTo("default-11 veg state-LX38");
				List<RecordingProxy.Exchange> calls = proxy.exchanges()
					.stream()
					.filter((exchange) -> exchange.body().contains("\"tools/call\""))
					.toList();
				RecordingProxy.Exchange retry = calls.get(calls.size() - 1);
				RecordingProxy.Exchange first = calls.get(calls.size() - 2);
				// The server seals its state (HMAC): the answer above proves it came back
				// exactly.
				assertThat(retry.body()).contains("\"requestState\":\"");
				assertThat(first.body()).doesNotContain("requestState");
				assertThat(id(first)).isNotEqualTo(id(retry));
				assertThat(server.requests().subList(before, server.requests().size()))
					.filteredOn((headers) -> "tools/call".equals(headers.get("mcp-method")))
					.hasSize(2);
			});
	}

	@Test
	void urlElicitationsAreAnsweredByTheUrlHandlerBean() {
		List<String> asked = new CopyOnWriteArrayList<>();
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28")
			.withBean(McpUrlElicitationHandler.class, () -> (name, request) -> {
				asked.add(name + " " + request.message() + " " + request.url());
				return Mono.just(io.modelcontextprotocol.spec.McpSchema.ElicitResult
					.builder(io.modelcontextprotocol.spec.McpSchema.ElicitResult.Action.ACCEPT)
					.build());
			})
			.run((context) -> {
				McpSchema.CallToolResult result = context.getBean(McpAsyncClient.class)
					.tool("book")
					.arguments(Map.of("flight", "LINK"))
					.call()
					.block(TIMEOUT);
				assertThat(text(result)).isEqualTo("paid accept state-LINK");
				assertThat(asked).containsExactly("default Pay for the seat https://pay.example.com/LINK");
			});
	}

	@Test
	void inputRoundsAreBoundedByAPropertyAndTheCallFailsSayingSo() {
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28",
					"cloudrun.mcp.client.max-input-rounds=3")
			.withBean(McpElicitationHandler.class,
					() -> (name,
							request) -> Mono.just(io.modelcontextprotocol.spec.McpSchema.ElicitResult
								.builder(io.modelcontextprotocol.spec.McpSchema.ElicitResult.Action.ACCEPT)
								.content(Map.of("seat", "1A"))
								.build()))
			.run((context) -> {
				int before = server.requests().size();
				assertThatThrownBy(() -> context.getBean(McpAsyncClient.class)
					.tool("book")
					.arguments(Map.of("flight", "LOOP"))
					.call()
					.block(TIMEOUT))
					.isInstanceOf(io.modelcontextprotocol.modern.client.McpInputRoundsExceededException.class)
					.hasMessageContaining("3");
				assertThat(server.requests().subList(before, server.requests().size()))
					.filteredOn((headers) -> "tools/call".equals(headers.get("mcp-method")))
					.hasSizeBetween(3, 4);
			});
	}

	@Test
	void parallelCallsWithInputRoundsNeverSeeEachOthersState() {
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28")
			.withBean(McpElicitationHandler.class,
					() -> (name,
							request) -> Mono.just(io.modelcontextprotocol.spec.McpSchema.ElicitResult
								.builder(io.modelcontextprotocol.spec.McpSchema.ElicitResult.Action.ACCEPT)
								.content(Map.of("seat", "1A"))
								.build()))
			.run((context) -> {
				McpOperations operations = context.getBean(McpOperations.class);
				List<String> flights = java.util.stream.IntStream.range(0, 16).mapToObj((i) -> "LX" + i).toList();
				List<String> answers = reactor.core.publisher.Flux.fromIterable(flights)
					.flatMapSequential((flight) -> operations.callTool("book", Map.of("flight", flight)), 16)
					.map((result) -> ((io.modelcontextprotocol.spec.McpSchema.TextContent) result.content().get(0))
						.text())
					.collectList()
					.block(TIMEOUT);
				assertThat(answers)
					.containsExactlyElementsOf(flights.stream().map((flight) -> "1A veg state-" + flight).toList());
			});
	}

	private static String id(RecordingProxy.Exchange exchange) {
		Matcher matcher = Pattern.compile("\"id\":([0-9]+)").matcher(exchange.body());
		assertThat(matcher.find()).isTrue();
		return matcher.group(1);
	}

	@Test
	void notificationsInAnswersReachListenersThroughOperationsAndTheSdksClientsWhichStillGetTheirProgress() {
		runner()
			.withConfiguration(
					AutoConfigurations.of(McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28")
			.withUserConfiguration(AnswerListeners.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				AnswerListeners listeners = context.getBean(AnswerListeners.class);
				io.modelcontextprotocol.spec.McpSchema.CallToolResult viaOperations = context
					.getBean(McpOperations.class)
					.callTool("report", Map.of())
					.block(TIMEOUT);
				assertThat(((io.modelcontextprotocol.spec.McpSchema.TextContent) viaOperations.content().get(0)).text())
					.isEqualTo("reported");
				Awaitility.await().atMost(TIMEOUT).until(() -> listeners.received.size() == 3);
				List<Double> sdkProgress = new CopyOnWriteArrayList<>();
				McpSchema.CallToolResult viaAsync = context.getBean(McpAsyncClient.class)
					.tool("report")
					.arguments(Map.of())
					.progress((progress) -> {
						sdkProgress.add(progress.progress());
						return Mono.empty();
					})
					.call()
					.block(TIMEOUT);
				assertThat(text(viaAsync)).isEqualTo("reported");
				assertThat(sdkProgress).containsExactly(1.0, 2.0);
				Awaitility.await().atMost(TIMEOUT).until(() -> listeners.received.size() == 6);
				List<Double> syncProgress = new CopyOnWriteArrayList<>();
				McpSchema.CallToolResult viaSync = context.getBean(McpSyncClient.class)
					.tool("report")
					.arguments(Map.of())
					.progress((progress) -> syncProgress.add(progress.progress()))
					.call();
				assertThat(text(viaSync)).isEqualTo("reported");
				assertThat(syncProgress).containsExactly(1.0, 2.0);
				Awaitility.await().atMost(TIMEOUT).until(() -> listeners.received.size() == 9);
				// In order within each answer, mapped to the 2025-11-25 types.
				assertThat(listeners.received).containsExactly("progress 1.0/2.0 half", "message INFO working",
						"progress 2.0/2.0 done", "progress 1.0/2.0 half", "message INFO working",
						"progress 2.0/2.0 done", "progress 1.0/2.0 half", "message INFO working",
						"progress 2.0/2.0 done");
			});
	}

	@Test
	void anUnknownRevisionFailsStartUpSayingWhatToSet() {
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2024-01-01")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("cloudrun.mcp.revision")
				.hasMessageContaining("2025-11-25 or 2026-07-28"));
	}

	static class Listeners {

		final List<String> types = new CopyOnWriteArrayList<>();

		@McpListener
		void on(McpEvent event) {
			this.types.add(event.type());
		}

	}

	static class AnswerListeners {

		final List<String> received = new CopyOnWriteArrayList<>();

		@McpListener("notifications/progress")
		void onProgress(io.modelcontextprotocol.spec.McpSchema.ProgressNotification progress) {
			this.received.add("progress " + progress.progress() + "/" + progress.total() + " " + progress.message());
		}

		@McpListener("notifications/message")
		void onMessage(io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification message) {
			this.received.add("message " + message.level() + " " + message.data());
		}

	}

	private static String text(McpSchema.CallToolResult result) {
		return ((McpSchema.TextContent) result.content().get(0)).text();
	}

}
