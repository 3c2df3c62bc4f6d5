package io.github.cloudrunmcp.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unknown {@code cloudrun.mcp.*} properties: a warning with the nearest valid name, a
 * start-up failure with {@code strict}, and no word about the relaxed forms Spring Boot
 * binds.
 */
@ExtendWith(OutputCaptureExtension.class)
class McpUnknownPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class))
		.withPropertyValues("cloudrun.mcp.auth.mode=none");

	@Test
	void misspelledTopLevelKeyIsNamedWithTheNearestValidName(CapturedOutput output) {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:1", "cloudrun.mcp.base-urll=x")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Unknown property cloudrun.mcp.base-urll (from ")
					.contains("did you mean cloudrun.mcp.base-url?");
			});
	}

	@Test
	void misspelledKeyOfANamedServerIsNamedWithItsServer(CapturedOutput output) {
		this.runner
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=http://127.0.0.1:1",
					"cloudrun.mcp.servers.search.fail-fastt=true", "cloudrun.mcp.servers.search.auth.moed=none")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Unknown property cloudrun.mcp.servers.search.fail-fastt (from ")
					.contains("did you mean cloudrun.mcp.servers.search.fail-fast?")
					.contains("did you mean cloudrun.mcp.servers.search.auth.mode?");
			});
	}

	@Test
	void misspelledNestedAndFleetKeysAreNamed(CapturedOutput output) {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:1",
					"cloudrun.mcp.stream.reconnect.max-dealy=5s", "cloudrun.mcp.fleet.topik=events",
					"cloudrun.mcp.qqqqqqqqqqqq.zzzzzzzzzzzz=1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("did you mean cloudrun.mcp.stream.reconnect.max-delay?")
					.contains("did you mean cloudrun.mcp.fleet.topic?")
					.contains("Unknown property cloudrun.mcp.qqqqqqqqqqqq.zzzzzzzzzzzz (from ")
					.contains("no similar property");
			});
	}

	@Test
	void relaxedFormsThatBindAreNotFlagged(CapturedOutput output) {
		this.runner
			.withPropertyValues("cloudrun.mcp.stream.readTimeout=10s", "cloudrun.mcp.client.request_timeout=10s",
					"cloudrun.mcp.servers.search.failFast=false", "cloudrun.mcp.fleet.topic=events",
					"cloudrun.mcp.strict=true")
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
								Map.of("CLOUDRUN_MCP_BASE_URL", "http://127.0.0.1:1",
										"CLOUDRUN_MCP_SERVERS_SEARCH_BASEURL", "http://127.0.0.1:2",
										"CLOUDRUN_MCP_SERVERS_SEARCH_AUTH_MODE", "none",
										"CLOUDRUN_MCP_STREAM_RECONNECT_MAXDELAY", "5s",
										"CLOUDRUN_MCP_STREAM_RECONNECT_MAX_DELAY", "5s"))))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(CloudRunMcpProperties.class).getBaseUrl()).isEqualTo("http://127.0.0.1:1");
				assertThat(context.getBean(CloudRunMcpProperties.class).getServers().get("search").getBaseUrl())
					.isEqualTo("http://127.0.0.1:2");
				assertThat(output).doesNotContain("Unknown property");
			});
	}

	@Test
	void strictFailsStartUpWithAnAnalysisThatNamesEveryUnknownKey() {
		this.runner
			.withPropertyValues("cloudrun.mcp.strict=true", "cloudrun.mcp.base-urll=http://127.0.0.1:1",
					"cloudrun.mcp.stream.bufer=8")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new CloudRunMcpFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("cloudrun.mcp.base-urll")
					.contains("did you mean cloudrun.mcp.base-url?")
					.contains("cloudrun.mcp.stream.bufer")
					.contains("did you mean cloudrun.mcp.stream.buffer?");
				assertThat(analysis.getAction()).contains("cloudrun.mcp.strict=false");
			});
	}

}
