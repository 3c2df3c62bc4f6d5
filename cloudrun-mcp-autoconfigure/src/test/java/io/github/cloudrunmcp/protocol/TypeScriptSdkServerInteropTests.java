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
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.StreamSettings;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link StatelessStreamableHttpTransport} under the SDK's 2026-07-28 client against the
 * MCP TypeScript SDK v2's own server ({@code @modelcontextprotocol/server} in Node), an
 * implementation of the revision this project did not write, through a proxy that
 * verifies the ID token of every request. Every exchange is asserted to have negotiated
 * 2026-07-28.
 */
class TypeScriptSdkServerInteropTests {

	private static final String AUDIENCE = "https://typescript.example.com";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static TestTokenIssuer issuer;

	private static FakeMetadataServer metadata;

	private static TypeScriptSdkServer server;

	private static RecordingProxy proxy;

	@BeforeAll
	static void startServers() throws Exception {
		int node = TypeScriptSdkServer.nodeMajorVersion();
		Assumptions.assumeTrue(node >= 20,
				() -> ((node < 0) ? "Node.js is not installed" : "Node.js " + node + " is too old")
						+ ": the interoperability tests against the TypeScript SDK v2 server need 'node' 20 or later "
						+ "on the PATH and 'npm ci' run in the project's root");
		issuer = new TestTokenIssuer();
		metadata = new FakeMetadataServer(issuer);
		metadata.start();
		server = TypeScriptSdkServer.start();
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

	private static ApplicationContextRunner clients() {
		return runner()
			.withConfiguration(
					AutoConfigurations.of(McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2026-07-28",
					"cloudrun.mcp.stream.reconnect.initial-delay=100ms");
	}

	private static McpAsyncClient client(IdTokenExchangeFilterFunction filter) {
		WebClient webClient = WebClient.builder().filter(filter).build();
		StatelessStreamableHttpTransport transport = new StatelessStreamableHttpTransport("typescript",
				URI.create(proxy.origin() + "/mcp"), webClient, McpJsonDefaults.getMapper());
		return McpClient.async(transport)
			.clientInfo(new McpSchema.Implementation("interop-tests", null, "1.0", null, null, null))
			.build();
	}

	private static List<RecordingProxy.Exchange> since(int before) {
		List<RecordingProxy.Exchange> all = proxy.exchanges();
		return all.subList(before, all.size());
	}

	@Test
	void discoversListsAndCallsToolsWithTheTokenOnEveryRequest() {
		runner().run((context) -> {
			int before = proxy.exchanges().size();
			McpAsyncClient client = client(context.getBean(IdTokenExchangeFilterFunction.class));
			McpSchema.DiscoverResult discovered = client.discover().block(TIMEOUT);
			assertThat(discovered.supportedVersions()).containsExactly("2026-07-28");
			assertThat(discovered.capabilities().tools()).isNotNull();
			McpSchema.ListToolsResult tools = client.tools().list().block(TIMEOUT);
			assertThat(tools.tools()).extracting(McpSchema.Tool::name).containsExactly("echo", "book");
			// Kept verbatim, the header annotation included.
			assertThat(tools.tools().get(0).inputSchema()).containsEntry("required", List.of("message"))
				.containsEntry("properties", Map.of("message", Map.of("type", "string"), "region",
						Map.of("type", "string", "x-mcp-header", "Region")));
			McpSchema.CallToolResult result = client.tool("echo")
				.arguments(Map.of("message", "hi", "region", "eu-west1"))
				.call()
				.block(TIMEOUT);
			assertThat(text(result)).isEqualTo("hi from eu-west1");
			assertThat(since(before)).hasSizeGreaterThanOrEqualTo(3)
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue())
				.allSatisfy((exchange) -> assertThat(exchange.method()).isEqualTo("POST"))
				.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2026-07-28"))
				.allSatisfy((exchange) -> assertThat(exchange.sessionId()).isNull())
				.allSatisfy((exchange) -> assertThat(exchange.body())
					.contains("\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\""));
		});
	}

	@Test
	void toolParametersAreMirroredIntoHeadersThatTheServerAccepts() {
		runner().run((context) -> {
			McpAsyncClient client = client(context.getBean(IdTokenExchangeFilterFunction.class));
			client.tools().list().block(TIMEOUT);
			int before = proxy.exchanges().size();
			// The server checks each header against the body and refuses a call whose
			// header is missing, wrongly encoded or different (-32020).
			assertThat(text(client.tool("echo")
				.arguments(Map.of("message", "plain", "region", "us-central1"))
				.call()
				.block(TIMEOUT))).isEqualTo("plain from us-central1");
			assertThat(text(client.tool("echo")
				.arguments(Map.of("message", "unicode", "region", "Zürich"))
				.call()
				.block(TIMEOUT))).isEqualTo("unicode from Zürich");
			assertThat(text(client.tool("echo").arguments(Map.of("message", "absent")).call().block(TIMEOUT)))
				.isEqualTo("absent from -");
			List<RecordingProxy.Exchange> calls = since(before);
			assertThat(calls).hasSize(3)
				.allSatisfy((exchange) -> assertThat(exchange.header("Mcp-Method")).isEqualTo("tools/call"))
				.allSatisfy((exchange) -> assertThat(exchange.header("Mcp-Name")).isEqualTo("echo"))
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue());
			assertThat(calls.get(0).header("Mcp-Param-Region")).isEqualTo("us-central1");
			assertThat(calls.get(1).header("Mcp-Param-Region")).isEqualTo(
					"=?base64?" + Base64.getEncoder().encodeToString("Zürich".getBytes(StandardCharsets.UTF_8)) + "?=");
			assertThat(calls.get(2).header("Mcp-Param-Region")).isNull();
		});
	}

	@Test
	void readsResources() {
		runner().run((context) -> {
			McpAsyncClient client = client(context.getBean(IdTokenExchangeFilterFunction.class));
			assertThat(client.resources().list().block(TIMEOUT).resources()).extracting(McpSchema.Resource::uri)
				.containsExactly("greeting://hello");
			McpSchema.ReadResourceResult read = client.resource("greeting://hello").read().block(TIMEOUT);
			assertThat(((McpSchema.TextResourceContents) read.contents().get(0)).text())
				.isEqualTo("Hello from TypeScript");
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
				int before = proxy.exchanges().size();
				McpSchema.CallToolResult result = context.getBean(McpAsyncClient.class)
					.tool("book")
					.arguments(Map.of("flight", "LX38"))
					.call()
					.block(TIMEOUT);
				// "Seat on LX38?" is 13 characters; the meal is the schema's default,
				// filled in by the library; the flight comes back out of the sealed
				// state.
				assertThat(text(result)).isEqualTo("default-13 veg state-LX38");
				List<RecordingProxy.Exchange> calls = since(before).stream()
					.filter((exchange) -> "tools/call".equals(exchange.header("Mcp-Method")))
					.toList();
				assertThat(calls).hasSize(2);
				assertThat(calls.get(0).body()).doesNotContain("requestState");
				assertThat(calls.get(1).body()).contains("\"requestState\":\"v1.").contains("\"inputResponses\"");
				assertThat(id(calls.get(0))).isNotEqualTo(id(calls.get(1)));
				assertThat(calls).allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue());
			});
	}

	@Test
	void aListChangeReachesListenersAndACutListenStreamIsReopenedWithAResync() {
		clients().withUserConfiguration(Listeners.class).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(McpSession.class);
			McpSyncClient sync = context.getBean(McpSyncClient.class);
			assertThat(sync.tools().list().tools()).extracting(McpSchema.Tool::name).contains("echo");
			Listeners listeners = context.getBean(Listeners.class);
			McpEventStream stream = context.getBean(McpEventStream.class);
			Awaitility.await().atMost(TIMEOUT).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
			server.toolsChanged();
			Awaitility.await()
				.atMost(TIMEOUT)
				.until(() -> listeners.types.contains("notifications/tools/list_changed"));
			assertThat(listeners.types).doesNotContain(McpListenStream.RESYNC_TYPE);
			// Cut mid-way, as Cloud Run does at its request timeout: the stream reopens
			// and says that something may have been missed.
			Awaitility.await().atMost(TIMEOUT).until(() -> proxy.dropStreams() > 0);
			Awaitility.await().atMost(TIMEOUT).until(() -> listeners.types.contains(McpListenStream.RESYNC_TYPE));
			server.toolsChanged();
			Awaitility.await()
				.atMost(TIMEOUT)
				.until(() -> listeners.types.stream().filter("notifications/tools/list_changed"::equals).count() == 2);
			List<RecordingProxy.Exchange> listens = proxy.exchanges()
				.stream()
				.filter((exchange) -> "subscriptions/listen".equals(exchange.header("Mcp-Method")))
				.toList();
			assertThat(listens).hasSizeGreaterThanOrEqualTo(2)
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue())
				.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2026-07-28"));
		});
	}

	@Test
	void revisionAutoNegotiates20260728ByDiscover() {
		runner().withConfiguration(AutoConfigurations.of(McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=auto",
					"cloudrun.mcp.fail-fast=true")
			.run((context) -> {
				int before = proxy.exchanges().size();
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(text(operations.callTool("echo", Map.of("message", "auto")).block(TIMEOUT)))
					.isEqualTo("auto from -");
				assertThat(operations.revision()).contains(McpRevision.V2026_07_28);
				assertThat(operations.statelessClient()).isPresent();
				assertThat(since(before)).isNotEmpty()
					.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2026-07-28"))
					.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue());
			});
	}

	private static String text(io.modelcontextprotocol.spec.McpSchema.CallToolResult result) {
		return ((io.modelcontextprotocol.spec.McpSchema.TextContent) result.content().get(0)).text();
	}

	@Test
	void resourceUpdatesReachTheListenStreamOfASubscribedUri() {
		runner().run((context) -> {
			WebClient webClient = WebClient.builder()
				.filter(context.getBean(IdTokenExchangeFilterFunction.class))
				.build();
			StreamSettings defaults = StreamSettings.defaults();
			StreamSettings settings = new StreamSettings(defaults.buffer(), defaults.overflow(),
					defaults.maxEventSize(), defaults.readTimeout(), defaults.shutdownGrace(),
					new StreamSettings.Reconnect(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.0, 0));
			McpListenStream listen = McpListenStream
				.builder("typescript", URI.create(proxy.origin() + "/mcp"), webClient, settings,
						JsonMapper.builder().build())
				.filter(() -> Mono.just(McpSchema.SubscriptionFilter.EMPTY
					.with(McpSchema.SubscriptionFilter.RESOURCE_SUBSCRIPTIONS, List.of("greeting://hello"))))
				.build();
			List<McpEvent> events = new CopyOnWriteArrayList<>();
			Disposable subscription = listen.events().subscribe(events::add);
			try {
				Awaitility.await()
					.atMost(TIMEOUT)
					.until(() -> listen.statusChanges().blockFirst(TIMEOUT).state() == McpStreamStatus.State.OPEN);
				server.resourceUpdated("greeting://other");
				server.resourceUpdated("greeting://hello");
				Awaitility.await().atMost(TIMEOUT).until(() -> !events.isEmpty());
				assertThat(events).first().satisfies((event) -> {
					assertThat(event.type()).isEqualTo("notifications/resources/updated");
					assertThat(event.data()).contains("greeting://hello");
				});
			}
			finally {
				subscription.dispose();
			}
		});
	}

	@Test
	void theListenFilterAsksForWhatTheServerOffersAndTheResourcesTheApplicationSubscribesTo() {
		clients().withUserConfiguration(ResourceListeners.class)
			.withPropertyValues("cloudrun.mcp.resource-subscriptions=greeting://configured")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				McpEventStream stream = context.getBean(McpEventStream.class);
				Awaitility.await().atMost(TIMEOUT).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
				List<RecordingProxy.Exchange> listens = proxy.exchanges()
					.stream()
					.filter((exchange) -> "subscriptions/listen".equals(exchange.header("Mcp-Method")))
					.toList();
				JsonNode request = JsonMapper.builder().build().readTree(listens.get(listens.size() - 1).body());
				// The server declares tool and resource list changes and resource
				// subscriptions, no prompts: the filter asks for nothing else.
				assertThat(request.path("params").path("notifications")).isEqualTo(JsonMapper.builder()
					.build()
					.readTree("{\"toolsListChanged\":true,\"resourcesListChanged\":true,"
							+ "\"resourceSubscriptions\":[\"greeting://configured\",\"greeting://hello\"]}"));
				assertThat(
						request.path("params").path("_meta").path("io.modelcontextprotocol/protocolVersion").asString())
					.isEqualTo("2026-07-28");
				ResourceListeners listeners = context.getBean(ResourceListeners.class);
				server.resourceUpdated("greeting://other");
				server.resourceUpdated("greeting://hello");
				server.resourceUpdated("greeting://configured");
				Awaitility.await().atMost(TIMEOUT).until(() -> listeners.updates.size() == 2);
				assertThat(listeners.updates).containsExactly("greeting://hello", "greeting://configured");
				assertThat(listeners.hello).containsExactly("greeting://hello");
			});
	}

	static class ResourceListeners {

		final List<String> hello = new CopyOnWriteArrayList<>();

		final List<String> updates = new CopyOnWriteArrayList<>();

		@McpListener(resources = "greeting://hello")
		void onHello(McpEvent event) {
			this.hello.add(event.json().path("params").path("uri").asString());
		}

		@McpListener("notifications/resources/updated")
		void onUpdate(McpEvent event) {
			this.updates.add(event.json().path("params").path("uri").asString());
		}

	}

	static class Listeners {

		final List<String> types = new CopyOnWriteArrayList<>();

		@McpListener
		void on(McpEvent event) {
			this.types.add(event.type());
		}

	}

	private static String id(RecordingProxy.Exchange exchange) {
		Matcher matcher = Pattern.compile("\"id\":([0-9]+)").matcher(exchange.body());
		assertThat(matcher.find()).isTrue();
		return matcher.group(1);
	}

	private static String text(McpSchema.CallToolResult result) {
		return ((McpSchema.TextContent) result.content().get(0)).text();
	}

}
