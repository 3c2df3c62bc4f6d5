package io.github.cloudrunmcp.protocol;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.google.auth.oauth2.GoogleCredentials;
import com.sun.net.httpserver.HttpServer;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.actuate.McpEndpoint;
import io.github.cloudrunmcp.autoconfigure.McpEndpointAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpHealthAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.EverythingServer;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.RecordingProxy;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import io.modelcontextprotocol.spec.McpSchema;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code revision: auto} against real servers on loopback: the MCP Java SDK's own
 * 2026-07-28 server, the reference server of 2025-11-25
 * ({@code @modelcontextprotocol/server-everything}), a server that speaks neither and a
 * port where nothing listens; each behind a proxy that verifies the ID token of every
 * request.
 */
@ExtendWith(OutputCaptureExtension.class)
class McpRevisionNegotiationTests {

	private static final String AUDIENCE = "https://negotiation.example.com";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static TestTokenIssuer issuer;

	private static FakeMetadataServer metadata;

	private static JavaSdkStatelessServer stateless;

	private static EverythingServer everything;

	private static HttpServer neither;

	private static RecordingProxy statelessProxy;

	private static RecordingProxy everythingProxy;

	private static RecordingProxy neitherProxy;

	@BeforeAll
	static void startServers() throws Exception {
		issuer = new TestTokenIssuer();
		metadata = new FakeMetadataServer(issuer);
		metadata.start();
		stateless = JavaSdkStatelessServer.start();
		everything = EverythingServer.start();
		// Answers every request as a web server that is not an MCP server does.
		neither = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		neither.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			byte[] body = "<html>Not Found</html>".getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "text/html");
			exchange.sendResponseHeaders(404, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		neither.start();
		statelessProxy = new RecordingProxy(URI.create(stateless.origin()), issuer, AUDIENCE);
		statelessProxy.start();
		everythingProxy = new RecordingProxy(URI.create(everything.origin()), issuer, AUDIENCE);
		everythingProxy.start();
		neitherProxy = new RecordingProxy(URI.create("http://127.0.0.1:" + neither.getAddress().getPort()), issuer,
				AUDIENCE);
		neitherProxy.start();
	}

	@AfterAll
	static void stopServers() throws Exception {
		for (RecordingProxy proxy : new RecordingProxy[] { statelessProxy, everythingProxy, neitherProxy }) {
			if (proxy != null) {
				proxy.stop();
			}
		}
		if (neither != null) {
			neither.stop(0);
		}
		if (everything != null) {
			everything.close();
		}
		if (stateless != null) {
			stateless.close();
		}
		if (metadata != null) {
			metadata.stop();
		}
	}

	private static ApplicationContextRunner runner(String origin, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
					McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class))
			.withBean(GoogleCredentials.class, () -> metadata.credentials())
			.withPropertyValues("cloudrun.mcp.base-url=" + origin, "cloudrun.mcp.audience=" + AUDIENCE,
					"cloudrun.mcp.auth.mode=google", "cloudrun.mcp.transport=streamable-http",
					"cloudrun.mcp.revision=auto", "cloudrun.mcp.client.initialize-timeout=20s",
					"cloudrun.mcp.stream.reconnect.initial-delay=100ms", "spring.application.name=negotiation-tests")
			.withPropertyValues(properties);
	}

	@Test
	void a20260728ServerIsSpokenTo20260728AfterDiscoverAndItsListChangesReachListeners(CapturedOutput output) {
		runner(statelessProxy.origin(), "cloudrun.mcp.fail-fast=true").withUserConfiguration(Listeners.class)
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(McpNegotiatingSession.class)
					.doesNotHaveBean(McpSession.class)
					.doesNotHaveBean(McpStatelessSession.class);
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(operations.revision()).contains(McpRevision.V2026_07_28);
				assertThat(operations.statelessClient()).isPresent();
				assertThat(operations.sessionClient()).isEmpty();
				assertThat(operations.listTools().block(TIMEOUT)).extracting(McpSchema.Tool::name).contains("echo");
				assertThat(output).contains(
						"MCP server 'default' speaks 2026-07-28 (revision auto, negotiated by " + "server/discover)");
				McpEventStream stream = context.getBean(McpEventStream.class);
				Awaitility.await().atMost(TIMEOUT).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
				stateless.toolsChanged();
				Listeners listeners = context.getBean(Listeners.class);
				Awaitility.await()
					.atMost(TIMEOUT)
					.until(() -> listeners.types.contains("notifications/tools/list_changed"));
				assertThat(statelessProxy.exchanges()).isNotEmpty()
					.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue())
					.allSatisfy((exchange) -> assertThat(exchange.body()).doesNotContain("\"initialize\""));
			});
	}

	@Test
	void a20251125ServerGetsTheHandshakeAfterDiscoverAndStaysOnIt(CapturedOutput output) {
		runner(everythingProxy.origin(), "cloudrun.mcp.fail-fast=true").run((context) -> {
			assertThat(context).hasNotFailed();
			McpOperations operations = context.getBean(McpOperations.class);
			assertThat(operations.revision()).contains(McpRevision.V2025_11_25);
			assertThat(operations.sessionClient()).isPresent()
				.hasValueSatisfying((client) -> assertThat(client.getCurrentInitializationResult().protocolVersion())
					.isEqualTo("2025-11-25"));
			assertThat(operations.statelessClient()).isEmpty();
			McpSchema.CallToolResult result = operations.callTool("echo", Map.of("message", "negotiated"))
				.block(TIMEOUT);
			assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("Echo: negotiated");
			assertThat(output).contains("MCP server 'default' speaks 2025-11-25 (revision auto, negotiated by "
					+ "server/discover answered");
			List<String> bodies = everythingProxy.exchanges("POST")
				.stream()
				.map(RecordingProxy.Exchange::body)
				.toList();
			assertThat(bodies.stream().filter((body) -> body.contains("\"server/discover\""))).hasSize(1);
			assertThat(bodies.stream().filter((body) -> body.contains("\"initialize\""))).hasSize(1);
			assertThat(everythingProxy.exchanges())
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).isTrue());
		});
	}

	@Test
	void aServerThatAnswersDiscoverWithUnsupportedProtocolVersionGetsTheHandshakeIn20251125(CapturedOutput output) {
		// As a 2025-11-25 server that checks MCP-Protocol-Version does (400, with the
		// versions it supports).
		FakeMcpServer older = new FakeMcpServer().on("server/discover",
				(request) -> Reply.json(400, "{\"jsonrpc\":\"2.0\",\"id\":" + request.id()
						+ ",\"error\":{\"code\":-32602,\"message\":\"Unsupported protocol version: 2026-07-28\","
						+ "\"data\":{\"supported\":[\"2025-11-25\",\"2025-06-18\"],\"requested\":\"2026-07-28\"}}}"));
		older.start();
		try {
			runner(older.origin(), "cloudrun.mcp.fail-fast=true").run((context) -> {
				assertThat(context).hasNotFailed();
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(operations.revision()).contains(McpRevision.V2025_11_25);
				assertThat(operations.listTools().block(TIMEOUT)).extracting(McpSchema.Tool::name)
					.containsExactly("echo");
				assertThat(older.requests()).extracting(FakeMcpServer.Request::method)
					.containsSubsequence("server/discover", "initialize", "tools/list");
				assertThat(older.requests("initialize")).singleElement()
					.satisfies((initialize) -> assertThat(
							initialize.body().path("params").path("protocolVersion").asString())
						.isEqualTo("2025-11-25"));
				assertThat(older.requests("tools/list")).singleElement()
					.satisfies((list) -> assertThat(list.protocolVersion()).isEqualTo("2025-11-25"));
				assertThat(output)
					.contains("MCP server 'default' speaks 2025-11-25 (revision auto, negotiated by "
							+ "server/discover answered")
					.contains("Unsupported protocol version");
			});
		}
		finally {
			older.stop();
		}
	}

	@Test
	void unsupportedProtocolVersionFromAServerPinnedTo20260728FailsTheCallSayingSo() {
		// The SDK's 2026-07-28 client speaks that revision only: there is no other
		// version to retry with, so the answer reaches the caller.
		FakeMcpServer older = new FakeMcpServer().on("tools/list",
				(request) -> Reply.json(400, "{\"jsonrpc\":\"2.0\",\"id\":" + request.id()
						+ ",\"error\":{\"code\":-32602,\"message\":\"Unsupported protocol version: 2026-07-28\","
						+ "\"data\":{\"supported\":[\"2025-11-25\"],\"requested\":\"2026-07-28\"}}}"));
		older.start();
		try {
			runner(older.origin(), "cloudrun.mcp.revision=2026-07-28", "cloudrun.mcp.stream.enabled=false")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThatThrownBy(() -> context.getBean(McpOperations.class).listTools().block(TIMEOUT))
						.hasMessageContaining("Unsupported protocol version");
					assertThat(older.requests("tools/list")).hasSize(1);
				});
		}
		finally {
			older.stop();
		}
	}

	@Test
	void aServerThatAnswersInitializeWithAnOlderRevisionIsSpokenToInThatRevision(CapturedOutput output) {
		// A 2025-06-18 server without sessions: no server/discover ("method not
		// found"), and its own revision in answer to initialize's 2025-11-25.
		FakeMcpServer older = new FakeMcpServer().on("initialize",
				(request) -> Reply.result(request.id(),
						"{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
								+ "\"serverInfo\":{\"name\":\"older\",\"version\":\"1\"}}"));
		older.start();
		try {
			runner(older.origin(), "cloudrun.mcp.fail-fast=true").run((context) -> {
				assertThat(context).hasNotFailed();
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(operations.revision()).contains(McpRevision.V2025_11_25);
				assertThat(operations.sessionClient()).hasValueSatisfying(
						(client) -> assertThat(client.getCurrentInitializationResult().protocolVersion())
							.isEqualTo("2025-06-18"));
				assertThat(operations.listTools().block(TIMEOUT)).extracting(McpSchema.Tool::name)
					.containsExactly("echo");
				// Every request after initialize says the revision both sides speak.
				assertThat(older.requests("tools/list")).singleElement()
					.satisfies((list) -> assertThat(list.protocolVersion()).isEqualTo("2025-06-18"));
				assertThat(output).contains("initialize: older 1, protocol 2025-06-18");
			});
		}
		finally {
			older.stop();
		}
	}

	@Test
	void theNegotiatedRevisionShowsInHealthAndTheActuatorEndpoint() {
		runner(statelessProxy.origin(), "cloudrun.mcp.fail-fast=true", "management.endpoints.web.exposure.include=mcp")
			.withConfiguration(
					AutoConfigurations.of(McpHealthAutoConfiguration.class, McpEndpointAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				HealthIndicator health = (HealthIndicator) context
					.getBean("mcpHealthContributor", CompositeHealthContributor.class)
					.getContributor("default");
				assertThat(health.health().getDetails()).containsEntry("revision", "2026-07-28");
				McpEndpoint.ServerDescriptor described = context.getBean(McpEndpoint.class)
					.server("default")
					.block(TIMEOUT);
				assertThat(described.transport()).isEqualTo("streamable-http");
				assertThat(described.protocolVersion()).isEqualTo("2026-07-28");
				assertThat(described.url()).isEqualTo(statelessProxy.origin() + "/mcp");
			});
		runner(neitherProxy.origin(), "cloudrun.mcp.client.initialize-timeout=3s")
			.withConfiguration(AutoConfigurations.of(McpHealthAutoConfiguration.class))
			.run((context) -> assertThat(
					((HealthIndicator) context.getBean("mcpHealthContributor", CompositeHealthContributor.class)
						.getContributor("default")).health().getDetails())
				.containsEntry("revision", "negotiating"));
	}

	@Test
	void aServerThatSpeaksNeitherFailsAFailFastStartUpSayingWhatToCheck() {
		runner(neitherProxy.origin(), "cloudrun.mcp.fail-fast=true", "cloudrun.mcp.client.initialize-timeout=3s")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining(
						"MCP server 'default' at " + neitherProxy.origin() + "/mcp (revision auto) failed at start-up")
				.hasStackTraceContaining("speaks neither 2026-07-28 nor 2025-11-25: server/discover answered")
				.hasStackTraceContaining("404"));
	}

	@Test
	void aServerThatSpeaksNeitherLetsTheApplicationStartAndShowsInTheStatus() {
		runner(neitherProxy.origin(), "cloudrun.mcp.client.initialize-timeout=3s").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(McpOperations.class).revision()).isEmpty();
			McpEventStream stream = context.getBean(McpEventStream.class);
			// RECONNECTING lasts only for a backoff delay: wait for it to have been
			// published, not for it to be the current status when polled.
			List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
			Disposable watching = stream.statusChanges().subscribe(statuses::add);
			try {
				Awaitility.await()
					.atMost(TIMEOUT)
					.until(() -> statuses.stream()
						.anyMatch((status) -> status.state() == McpStreamStatus.State.RECONNECTING
								&& status.cause() != null));
			}
			finally {
				watching.dispose();
			}
		});
	}

	@Test
	void anUnreachableServerLetsTheApplicationStartUnlessFailFast() throws IOException {
		String closed = "http://127.0.0.1:" + closedPort();
		runner(closed).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(McpOperations.class).revision()).isEmpty();
		});
		runner(closed, "cloudrun.mcp.fail-fast=true").run((context) -> assertThat(context).getFailure()
			.hasStackTraceContaining("(revision auto) failed at start-up: "));
	}

	@Test
	void failFastChecksA20260728ServerToo() throws IOException {
		String closed = "http://127.0.0.1:" + closedPort();
		runner(closed, "cloudrun.mcp.fail-fast=true", "cloudrun.mcp.revision=2026-07-28")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("(revision 2026-07-28) failed at start-up: "));
		runner(statelessProxy.origin(), "cloudrun.mcp.fail-fast=true", "cloudrun.mcp.revision=2026-07-28")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	static class Listeners {

		final List<String> types = new CopyOnWriteArrayList<>();

		@McpListener
		void on(McpEvent event) {
			this.types.add(event.type());
		}

	}

}
