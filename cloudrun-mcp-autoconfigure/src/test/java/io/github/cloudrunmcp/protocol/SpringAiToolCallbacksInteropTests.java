package io.github.cloudrunmcp.protocol;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpSpringAiAutoConfiguration;
import io.github.cloudrunmcp.springai.McpToolCallback;
import io.github.cloudrunmcp.springai.McpToolCallbackProvider;
import io.github.cloudrunmcp.test.EverythingServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.RecordingProxy;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import io.modelcontextprotocol.spec.McpSchema;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.execution.ToolExecutionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The tools of a 2025-11-25 server (server-everything) and a 2026-07-28 server (the
 * TypeScript SDK v2's) offered to Spring AI as tool callbacks, called through the
 * library's sessions: ID tokens, the revision of each server and the application's
 * elicitation handler, with nothing revision-specific in the callbacks.
 */
class SpringAiToolCallbacksInteropTests {

	private static final String SESSION_AUDIENCE = "https://everything.example.com";

	private static final String STATELESS_AUDIENCE = "https://typescript.example.com";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static FakeMetadataServer metadata;

	private static EverythingServer everything;

	private static TypeScriptSdkServer typescript;

	private static RecordingProxy sessionProxy;

	private static RecordingProxy statelessProxy;

	@BeforeAll
	static void startServers() {
		Assumptions.assumeTrue(TypeScriptSdkServer.nodeMajorVersion() >= 20,
				"Node.js 20 or later is not on the PATH: the tests against the TypeScript SDK v2 server need it");
		TestTokenIssuer issuer = new TestTokenIssuer();
		metadata = new FakeMetadataServer(issuer);
		metadata.start();
		everything = EverythingServer.start();
		typescript = TypeScriptSdkServer.start();
		sessionProxy = new RecordingProxy(URI.create(everything.origin()), issuer, SESSION_AUDIENCE);
		sessionProxy.start();
		statelessProxy = new RecordingProxy(URI.create(typescript.origin()), issuer, STATELESS_AUDIENCE);
		statelessProxy.start();
	}

	@AfterAll
	static void stopServers() {
		for (RecordingProxy proxy : new RecordingProxy[] { sessionProxy, statelessProxy }) {
			if (proxy != null) {
				proxy.stop();
			}
		}
		if (typescript != null) {
			typescript.close();
		}
		if (everything != null) {
			everything.close();
		}
		if (metadata != null) {
			metadata.stop();
		}
	}

	private static ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
							McpEventStreamAutoConfiguration.class, McpSpringAiAutoConfiguration.class))
			.withBean(GoogleCredentials.class, () -> metadata.credentials())
			.withBean(McpElicitationHandler.class,
					() -> (name,
							request) -> Mono.just(McpSchema.ElicitResult.builder(McpSchema.ElicitResult.Action.ACCEPT)
								.content(Map.of("seat", name + "-" + request.message().length()))
								.build()))
			.withPropertyValues("cloudrun.mcp.auth.mode=google", "cloudrun.mcp.transport=streamable-http",
					"cloudrun.mcp.stream.reconnect.initial-delay=100ms",
					"cloudrun.mcp.servers.everything.base-url=" + sessionProxy.origin(),
					"cloudrun.mcp.servers.everything.audience=" + SESSION_AUDIENCE,
					"cloudrun.mcp.servers.everything.revision=2025-11-25",
					"cloudrun.mcp.servers.typescript.base-url=" + statelessProxy.origin(),
					"cloudrun.mcp.servers.typescript.audience=" + STATELESS_AUDIENCE,
					"cloudrun.mcp.servers.typescript.revision=2026-07-28");
	}

	@Test
	void toolsOfBothRevisionsAreToolCallbacksCalledWithTokens() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(McpToolCallbackProvider.class);
			ToolCallback[] callbacks = context.getBean(ToolCallbackProvider.class).getToolCallbacks();
			// echo is on both servers: each is named after its server.
			assertThat(names(callbacks)).contains("everything_echo", "typescript_echo", "get-sum", "book")
				.doesNotContain("echo");
			ToolCallback stateless = callback(callbacks, "typescript_echo");
			assertThat(((McpToolCallback) stateless).server()).isEqualTo("typescript");
			assertThat(stateless.getToolDefinition().inputSchema()).contains("\"x-mcp-header\":\"Region\"");
			assertThat(stateless.call("{\"message\":\"ai\",\"region\":\"eu-west1\"}")).contains("ai from eu-west1");
			assertThat(callback(callbacks, "everything_echo").call("{\"message\":\"ai\"}")).contains("Echo: ai");
			assertThat(callback(callbacks, "get-sum").call("{\"a\":2,\"b\":40}")).contains("42");
			// An input request is answered by the application's elicitation handler.
			assertThat(callback(callbacks, "book").call("{\"flight\":\"LX38\"}"))
				.contains("typescript-13 veg state-LX38");
			assertThat(sessionProxy.exchanges()).isNotEmpty()
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue());
			assertThat(statelessProxy.exchanges()).isNotEmpty()
				.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue())
				.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2026-07-28"));
		});
	}

	@Test
	void aToolErrorOrArgumentsThatAreNotAnObjectReachTheModelAsToolExecutionExceptions() {
		runner().run((context) -> {
			ToolCallback[] callbacks = context.getBean(ToolCallbackProvider.class).getToolCallbacks();
			ToolCallback echo = callback(callbacks, "typescript_echo");
			assertThatExceptionOfType(ToolExecutionException.class).isThrownBy(() -> echo.call("{}"));
			assertThatExceptionOfType(ToolExecutionException.class).isThrownBy(() -> echo.call("[1]"))
				.withMessageContaining("must be a JSON object");
		});
	}

	@Test
	void theToolListIsKeptUntilTheServerSaysItChanged() {
		runner().run((context) -> {
			McpToolCallbackProvider provider = context.getBean(McpToolCallbackProvider.class);
			long before = toolLists();
			provider.getToolCallbacks();
			provider.getToolCallbacks();
			assertThat(toolLists() - before).isEqualTo(1);
			Awaitility.await().atMost(TIMEOUT).until(() -> statelessProxy.openStreams() > 0);
			typescript.toolsChanged();
			// Listed once after the change (by the listen stream, before it delivered
			// the change: that list is the one kept), then kept.
			Awaitility.await().atMost(TIMEOUT).until(() -> toolLists() - before == 2);
			provider.getToolCallbacks();
			provider.getToolCallbacks();
			Thread.sleep(500);
			assertThat(toolLists() - before).isEqualTo(2);
		});
	}

	@Test
	void noCallbacksWhenTurnedOffOrWithoutSpringAi() {
		runner().withPropertyValues("cloudrun.mcp.client.spring-ai-tool-callbacks=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(McpToolCallbackProvider.class));
		runner().withClassLoader(new FilteredClassLoader(ToolCallbackProvider.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(McpToolCallbackProvider.class));
	}

	private static long toolLists() {
		return statelessProxy.exchanges()
			.stream()
			.filter((exchange) -> "tools/list".equals(exchange.header("Mcp-Method")))
			.count();
	}

	private static String[] names(ToolCallback[] callbacks) {
		return Arrays.stream(callbacks).map((callback) -> callback.getToolDefinition().name()).toArray(String[]::new);
	}

	private static ToolCallback callback(ToolCallback[] callbacks, String name) {
		return Arrays.stream(callbacks)
			.filter((callback) -> callback.getToolDefinition().name().equals(name))
			.findFirst()
			.orElseThrow();
	}

}
