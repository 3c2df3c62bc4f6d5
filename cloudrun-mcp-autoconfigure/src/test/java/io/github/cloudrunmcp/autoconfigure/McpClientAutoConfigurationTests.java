package io.github.cloudrunmcp.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpClientSettings;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.protocol.McpNegotiatingSession;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.McpSessionLifecycle;
import io.github.cloudrunmcp.protocol.McpStatelessSession;
import io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpRevision;
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
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.UnsatisfiedDependencyException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Wiring of the MCP clients: per-server beans from the {@link McpServers} bean, the SDK
 * as an optional dependency, and replaceable shared beans.
 */
@ExtendWith(OutputCaptureExtension.class)
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
				McpTransportType.STREAMABLE_HTTP, "/mcp", true, McpRevision.V2025_11_25);
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
	void revisionIsAutoByDefaultAndGetsOperationsButNoClientOfOneRevision() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.client.lazy=true")
			.withBean(McpServers.class,
					() -> new McpServers(
							List.of(new McpServer("tools", URI.create(this.server.origin()), this.server.origin(),
									new McpServer.Auth(AuthMode.NONE, TokenHeader.AUTHORIZATION, Duration.ofMinutes(5),
											null),
									"/events", McpTransportType.STREAMABLE_HTTP, "/mcp", false))))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(McpServers.class).all()).extracting(McpServer::revision)
					.containsExactly(McpRevision.AUTO);
				assertThat(context).getBeans(McpOperations.class).containsOnlyKeys("mcpOperations-tools");
				assertThat(context).getBeans(McpNegotiatingSession.class)
					.containsOnlyKeys("mcpNegotiatingSession-tools");
				assertThat(context).doesNotHaveBean(McpSession.class)
					.doesNotHaveBean(McpAsyncClient.class)
					.doesNotHaveBean(McpStatelessSession.class);
				// Lazy: nothing negotiated until asked.
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(operations.revision()).isEmpty();
				assertThat(operations.sessionClient()).isEmpty();
				assertThat(operations.negotiatedRevision().block(Duration.ofSeconds(30)))
					.isEqualTo(McpRevision.V2025_11_25);
				assertThat(operations.sessionClient()).isPresent();
			});
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.client.lazy=true")
			.run((context) -> assertThat(context.getBean(McpServers.class).all()).extracting(McpServer::revision)
				.containsExactly(McpRevision.AUTO));
	}

	@Test
	void injectingA20251125ClientOfAnAutoServerFailsStartUpNamingTheRevisionProperty(CapturedOutput output) {
		SpringApplication application = new SpringApplication(ToolsApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setDefaultProperties(Map.of("cloudrun.mcp.servers.tools.base-url", this.server.origin(),
				"cloudrun.mcp.servers.tools.transport", "streamable-http", "cloudrun.mcp.servers.other.base-url",
				this.server.origin(), "cloudrun.mcp.servers.other.transport", "streamable-http",
				"cloudrun.mcp.client.lazy", "true"));
		assertThatExceptionOfType(UnsatisfiedDependencyException.class).isThrownBy(application::run);
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("A bean of type io.modelcontextprotocol.client.McpAsyncClient is required, which only MCP "
					+ "servers whose revision is 2025-11-25 have, but MCP server 'tools' (revision auto) has none")
			.contains("Inject McpOperations")
			.contains("set cloudrun.mcp.servers.tools.revision=2025-11-25")
			.doesNotContain("cloudrun.mcp.servers.other.revision");
	}

	@Test
	void theAnalysisNamesTheRevisionThatHasTheBean() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2025-11-25",
					"cloudrun.mcp.client.lazy=true")
			.run((context) -> {
				FailureAnalysis analysis = new McpRevisionBeanFailureAnalyzer(context.getBeanFactory())
					.analyze(new NoSuchBeanDefinitionException(McpStatelessSession.class));
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("revision is 2026-07-28")
					.contains("MCP server 'default' (revision 2025-11-25)");
				assertThat(analysis.getAction()).contains("set cloudrun.mcp.revision=2026-07-28.");
				assertThat(new McpRevisionBeanFailureAnalyzer(context.getBeanFactory())
					.analyze(new NoSuchBeanDefinitionException(McpAsyncClient.class))).isNull();
				assertThat(new McpRevisionBeanFailureAnalyzer(context.getBeanFactory())
					.analyze(new NoSuchBeanDefinitionException(String.class))).isNull();
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
					"cloudrun.mcp.transport=streamable-http", "cloudrun.mcp.revision=2025-11-25",
					"cloudrun.mcp.client.lazy=true")
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

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class })
	@Import(ToolsUser.class)
	static class ToolsApplication {

	}

	static class ToolsUser {

		final McpAsyncClient client;

		ToolsUser(@Qualifier("tools") McpAsyncClient client) {
			this.client = client;
		}

	}

}
