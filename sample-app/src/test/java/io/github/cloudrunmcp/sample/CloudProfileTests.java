package io.github.cloudrunmcp.sample;

import java.util.Properties;

import io.github.cloudrunmcp.sample.local.CloudProfileWithoutServerException;
import io.github.cloudrunmcp.sample.local.LocalDemo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The {@code cloud} profile is the deployed service's: without an MCP server it fails
 * start-up, naming the variable to set, rather than serving the local demo's events.
 */
class CloudProfileTests {

	private final Properties systemProperties = new Properties();

	/**
	 * These start-ups leave logging alone: the {@code cloud} profile switches the console
	 * to Cloud Logging's JSON, which the shared logging system (and the system properties
	 * Spring Boot sets for it) would keep for the tests that run after these and read log
	 * lines.
	 */
	@BeforeEach
	void leaveLoggingAlone() {
		this.systemProperties.putAll(System.getProperties());
		System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
	}

	@AfterEach
	void restoreSystemProperties() {
		for (String name : System.getProperties().stringPropertyNames()) {
			if (!this.systemProperties.containsKey(name)) {
				System.clearProperty(name);
			}
		}
		System.getProperties().putAll(this.systemProperties);
	}

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
