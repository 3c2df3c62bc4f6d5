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
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
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

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One application with two servers of different revisions at once: the MCP reference
 * server ({@code server-everything}) on 2025-11-25 and the TypeScript SDK v2's server on
 * 2026-07-28, each behind a proxy that verifies its own audience's ID token. Both are
 * used through the same {@link McpOperations} API, and a listener sees the same
 * notification type from both.
 */
class TwoRevisionsInteropTests {

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

	@Test
	void oneApplicationTalksToA20251125AndA20260728ServerAtOnce() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
					McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class))
			.withBean(GoogleCredentials.class, () -> metadata.credentials())
			.withUserConfiguration(Listeners.class)
			.withPropertyValues("cloudrun.mcp.auth.mode=google", "cloudrun.mcp.transport=streamable-http",
					"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.stream.reconnect.initial-delay=100ms",
					"cloudrun.mcp.servers.everything.base-url=" + sessionProxy.origin(),
					"cloudrun.mcp.servers.everything.audience=" + SESSION_AUDIENCE,
					"cloudrun.mcp.servers.everything.revision=2025-11-25",
					"cloudrun.mcp.servers.typescript.base-url=" + statelessProxy.origin(),
					"cloudrun.mcp.servers.typescript.audience=" + STATELESS_AUDIENCE,
					"cloudrun.mcp.servers.typescript.revision=2026-07-28")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				McpOperations session = context.getBean("mcpOperations-everything", McpOperations.class);
				McpOperations stateless = context.getBean("mcpOperations-typescript", McpOperations.class);
				assertThat(session.revision()).contains(McpRevision.V2025_11_25);
				assertThat(stateless.revision()).contains(McpRevision.V2026_07_28);
				assertThat(text(session.callTool("echo", Map.of("message", "old")).block(TIMEOUT)))
					.isEqualTo("Echo: old");
				assertThat(text(stateless.callTool("echo", Map.of("message", "new", "region", "eu")).block(TIMEOUT)))
					.isEqualTo("new from eu");
				for (String server : List.of("everything", "typescript")) {
					McpEventStream stream = context.getBean("mcpEventStream-" + server, McpEventStream.class);
					Awaitility.await()
						.atMost(TIMEOUT)
						.until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
				}
				// A session resource registered by a tool call: the 2025-11-25 server
				// says so on its GET stream; the 2026-07-28 server on its listen stream.
				session
					.callTool("gzip-file-as-resource",
							Map.of("name", "two.gz", "data", "data:text/plain;base64,dHdv", "outputType",
									"resourceLink"))
					.block(TIMEOUT);
				typescript.resourcesChanged();
				Listeners listeners = context.getBean(Listeners.class);
				Awaitility.await()
					.atMost(TIMEOUT)
					.until(() -> listeners.servers.containsAll(List.of("everything", "typescript")));
				assertThat(sessionProxy.exchanges()).isNotEmpty()
					.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue())
					.filteredOn((exchange) -> exchange.protocolVersion() != null)
					.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2025-11-25"));
				assertThat(statelessProxy.exchanges()).isNotEmpty()
					.allSatisfy((exchange) -> assertThat(exchange.tokenValid()).as(exchange.toString()).isTrue())
					.allSatisfy((exchange) -> assertThat(exchange.protocolVersion()).isEqualTo("2026-07-28"))
					.allSatisfy((exchange) -> assertThat(exchange.sessionId()).isNull());
			});
	}

	static class Listeners {

		final List<String> servers = new CopyOnWriteArrayList<>();

		@McpListener("notifications/resources/list_changed")
		void on(McpEvent event) {
			this.servers.add(event.server());
		}

	}

	private static String text(McpSchema.CallToolResult result) {
		return ((McpSchema.TextContent) result.content().get(0)).text();
	}

}
