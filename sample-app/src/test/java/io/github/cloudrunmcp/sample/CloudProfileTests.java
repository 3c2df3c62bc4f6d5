package io.github.cloudrunmcp.sample;

import io.github.cloudrunmcp.sample.local.CloudProfileWithoutServerException;
import io.github.cloudrunmcp.sample.local.LocalDemo;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The {@code cloud} profile is the deployed service's: without an MCP server it fails
 * start-up, naming the variable to set, rather than serving the local demo's events.
 */
class CloudProfileTests {

	@Test
	void cloudProfileWithoutBaseUrlFailsStartUpNamingTheVariable() {
		assertThatExceptionOfType(CloudProfileWithoutServerException.class)
			.isThrownBy(() -> new SpringApplicationBuilder(SampleApplication.class).web(WebApplicationType.NONE)
				.profiles("cloud")
				.run())
			.withMessageContaining("CLOUDRUN_MCP_BASE_URL");
	}

	@Test
	void cloudProfileWithBaseUrlStartsWithoutTheDemo() {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
			.web(WebApplicationType.NONE)
			.profiles("cloud")
			.run("--cloudrun.mcp.base-url=http://127.0.0.1:9", "--cloudrun.mcp.auth.mode=none")) {
			assertThat(context.getEnvironment().getActiveProfiles()).containsExactly("cloud");
			assertThat(context.getBeanNamesForType(LocalDemo.class)).isEmpty();
		}
	}

}
