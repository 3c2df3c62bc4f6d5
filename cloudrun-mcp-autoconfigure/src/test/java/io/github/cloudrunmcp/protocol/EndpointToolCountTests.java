package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.actuate.McpEndpoint;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEndpointAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tool count of {@code /actuator/mcp} for servers without a 2025-11-25 session
 * (2026-07-28, and {@code auto}, the default), against the Java SDK's own 2026-07-28
 * server: from the tool list kept of the server, listed once and again after the server
 * says that its tools changed.
 */
class EndpointToolCountTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private JavaSdkStatelessServer server;

	@BeforeEach
	void start() throws Exception {
		this.server = JavaSdkStatelessServer.start();
	}

	@AfterEach
	void stop() throws Exception {
		this.server.close();
	}

	private long toolListings() {
		return this.server.requests()
			.stream()
			.filter((headers) -> "tools/list".equals(headers.get("mcp-method")))
			.count();
	}

	@ParameterizedTest
	@ValueSource(strings = { "2026-07-28", "auto" })
	void countsTheToolsFromTheListKeptUntilTheyChange(String revision) {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
							McpEventStreamAutoConfiguration.class, McpEndpointAutoConfiguration.class))
			.withUserConfiguration(Listeners.class)
			.withPropertyValues("cloudrun.mcp.servers.modern.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.modern.transport=streamable-http",
					"cloudrun.mcp.servers.modern.revision=" + revision, "cloudrun.mcp.servers.modern.auth.mode=none",
					"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.client.initialize-timeout=20s",
					"cloudrun.mcp.client.liveness-interval=0", "management.endpoints.web.exposure.include=mcp")
			.run((context) -> {
				McpEndpoint endpoint = context.getBean(McpEndpoint.class);
				int expected = context.getBean(McpOperations.class).listTools().block(TIMEOUT).size();
				assertThat(expected).isPositive();
				long before = toolListings();
				McpEndpoint.ServerDescriptor described = endpoint.server("modern").block(TIMEOUT);
				assertThat(described).isNotNull();
				assertThat(described.protocolVersion()).isEqualTo("2026-07-28");
				assertThat(described.tools()).isEqualTo(expected);
				assertThat(toolListings()).isEqualTo(before + 1);
				// Kept: asking again sends nothing.
				assertThat(endpoint.server("modern").block(TIMEOUT).tools()).isEqualTo(expected);
				assertThat(toolListings()).isEqualTo(before + 1);
				McpEventStream stream = context.getBean(McpEventStream.class);
				await().atMost(TIMEOUT).until(() -> stream.status().state() == McpStreamStatus.State.OPEN);
				this.server.toolsChanged();
				Listeners listeners = context.getBean(Listeners.class);
				await().atMost(TIMEOUT).until(() -> listeners.types.contains("notifications/tools/list_changed"));
				// Changed: listed once, by the listen stream before it delivered the
				// change (the SDK client's refresh, whose list is the one kept).
				await().atMost(TIMEOUT).until(() -> toolListings() == before + 2);
				assertThat(endpoint.server("modern").block(TIMEOUT).tools()).isEqualTo(expected);
				assertThat(endpoint.server("modern").block(TIMEOUT).tools()).isEqualTo(expected);
				// Nothing more: not the sync client, which was not used, nor the list
				// kept.
				Thread.sleep(500);
				assertThat(toolListings()).isEqualTo(before + 2);
			});
	}

	static class Listeners {

		final List<String> types = new CopyOnWriteArrayList<>();

		@McpListener
		void on(McpEvent event) {
			this.types.add(event.type());
		}

	}

}
