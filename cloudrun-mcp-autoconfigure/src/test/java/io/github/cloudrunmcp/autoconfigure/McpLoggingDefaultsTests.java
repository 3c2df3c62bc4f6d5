package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.test.EverythingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDK's dump of the server's instructions stays out of INFO in a real application
 * against the reference server, whose instructions run to tens of lines; the application
 * can still turn it back on.
 */
@ExtendWith(OutputCaptureExtension.class)
class McpLoggingDefaultsTests {

	private static final String SDK_LINE = "Server response with Protocol";

	private static EverythingServer everything;

	@BeforeAll
	static void startServer() {
		everything = EverythingServer.start();
	}

	@AfterAll
	static void stopServer() {
		if (everything != null) {
			everything.close();
		}
	}

	@Test
	void instructionsAreLoggedAtDebugOnlyByDefault(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run()) {
			assertThat(output).contains("MCP server 'everything' initialized:")
				.doesNotContain(SDK_LINE)
				.doesNotContain("instructions:");
		}
	}

	@Test
	void libraryLogsTheInstructionsAtDebug(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(
				"--logging.level.io.github.cloudrunmcp.protocol.McpSessionLifecycle=DEBUG")) {
			assertThat(output).contains("MCP server 'everything' instructions: ").doesNotContain(SDK_LINE);
		}
	}

	@Test
	void applicationCanTurnTheSdkLineBackOn(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(
				"--logging.level.io.modelcontextprotocol.client.LifecycleInitializer=INFO")) {
			assertThat(output).contains(SDK_LINE);
		}
	}

	private static ConfigurableApplicationContext run(String... args) {
		return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
			.properties("cloudrun.mcp.servers.everything.base-url=" + everything.origin(),
					"cloudrun.mcp.servers.everything.transport=streamable-http",
					"cloudrun.mcp.servers.everything.revision=2025-11-25",
					"cloudrun.mcp.servers.everything.fail-fast=true", "cloudrun.mcp.auth.mode=none",
					"cloudrun.mcp.stream.enabled=false", "cloudrun.mcp.client.initialize-timeout=60s")
			.run(args);
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class })
	static class App {

	}

}
