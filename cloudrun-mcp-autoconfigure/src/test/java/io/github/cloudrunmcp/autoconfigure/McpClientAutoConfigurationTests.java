package io.github.cloudrunmcp.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpClientSettings;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.McpSessionLifecycle;
import io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of the MCP clients: per-server beans from the {@link McpServers} bean, the SDK
 * as an optional dependency, and replaceable shared beans.
 */
class McpClientAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class))
		.withPropertyValues("cloudrun.mcp.client.initialize-timeout=10s");

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

	private McpServer mcpServer(String name) {
		return new McpServer(name, URI.create(this.server.origin()), this.server.origin(),
				new McpServer.Auth(AuthMode.NONE, TokenHeader.AUTHORIZATION, Duration.ofMinutes(5), null), "/events",
				McpTransportType.STREAMABLE_HTTP, "/mcp", true);
	}

	@Test
	void serversOfAnApplicationsOwnMcpServersBeanGetClients() {
		this.runner.withBean(McpServers.class, () -> new McpServers(List.of(mcpServer("tools"))))
			.withBean(ToolsUser.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).getBeans(McpSession.class).containsOnlyKeys("mcpSession-tools");
				assertThat(context).getBeans(ResumableStreamableHttpTransport.class)
					.containsOnlyKeys("mcpTransport-tools");
				assertThat(context).getBeans(McpAsyncClient.class).containsOnlyKeys("mcpAsyncClient-tools");
				assertThat(context).getBeans(McpEventStream.class).containsOnlyKeys("mcpEventStream-tools");
				McpAsyncClient client = context.getBean(ToolsUser.class).client;
				assertThat(client.isInitialized()).isTrue();
				assertThat(client.listTools().block(Duration.ofSeconds(10)).tools()).extracting(McpSchema.Tool::name)
					.containsExactly("echo");
				assertThat(client).isSameAs(context.getBean("mcpSession-tools", McpSession.class).async());
			});
	}

	@Test
	void streamableHttpWithoutTheSdkFailsStartUpSayingWhatToAdd() {
		this.runner.withClassLoader(new FilteredClassLoader(McpAsyncClient.class))
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).isInstanceOf(McpSdkMissingException.class)
					.hasMessageContaining("io.modelcontextprotocol.sdk:mcp-core")
					.hasMessageContaining("'default'");
				FailureAnalysis analysis = new CloudRunMcpFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("streamable-http").contains("mcp-core");
				assertThat(analysis.getAction()).contains("cloudrun.mcp.transport=events");
			});
	}

	@Test
	void streamableHttpWithoutTheSdksJsonModuleFailsStartUp() {
		this.runner.withClassLoader(new FilteredClassLoader(McpJsonDefaults.class))
			.withBean(McpServers.class, () -> new McpServers(List.of(mcpServer("tools"))))
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(McpSdkMissingException.class)
				.hasMessageContaining("mcp-json-jackson3")
				.hasMessageContaining("cloudrun.mcp.servers.tools.transport"));
	}

	@Test
	void withoutTheSdkEventsServersStartAndGetNoClient() {
		this.runner.withClassLoader(new FilteredClassLoader(McpAsyncClient.class))
			.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:1")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(McpClientFactory.class)
				.hasSingleBean(McpEventStream.class));
	}

	@Test
	void withoutTheSdkAndWithTheClientOffStreamableHttpServersGetNothing() {
		this.runner.withClassLoader(new FilteredClassLoader(McpAsyncClient.class))
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.client.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(McpSession.class)
				.doesNotHaveBean(McpEventStream.class));
	}

	@Test
	void clientFactoryAndLifecycleBeansBackOff() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.client.lazy=true")
			.withBean("myFactory", McpClientFactory.class, () -> ownFactory())
			.withBean("myLifecycle", McpSessionLifecycle.class,
					() -> new McpSessionLifecycle(List.of(), ownFactory().settings(), Duration.ofSeconds(1),
							Duration.ofSeconds(2)))
			.run((context) -> {
				assertThat(context).hasSingleBean(McpClientFactory.class).hasSingleBean(McpSessionLifecycle.class);
				assertThat(context).getBean("myFactory").isSameAs(context.getBean(McpClientFactory.class));
				assertThat(context.getBean(McpSession.class).server().name()).isEqualTo(McpServer.DEFAULT_NAME);
			});
	}

	private static McpClientFactory ownFactory() {
		return new McpClientFactory(WebClient.create(), McpJsonDefaults.getMapper(), JsonMapper.builder().build(),
				StreamSettings.defaults(),
				new McpClientSettings("mine", "1", Duration.ofSeconds(5), Duration.ofSeconds(5), true), null, null,
				null, List.of());
	}

	@Test
	void livenessProbeBacksOff() {
		McpLivenessProbe own = new McpLivenessProbe(java.util.Map.of(), Duration.ZERO);
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http")
			.withBean("myProbe", McpLivenessProbe.class, () -> own)
			.run((context) -> assertThat(context).getBean(McpLivenessProbe.class).isSameAs(own));
	}

	static class ToolsUser {

		final McpAsyncClient client;

		ToolsUser(@Qualifier("tools") McpAsyncClient client) {
			this.client = client;
		}

	}

}
