package io.github.cloudrunmcp.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of the {@code mcp} health contributor.
 */
class McpHealthAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class, McpHealthAutoConfiguration.class))
		.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:1",
				"cloudrun.mcp.servers.b.base-url=http://127.0.0.1:2");

	@Test
	void oneIndicatorPerServer() {
		this.runner
			.run((context) -> assertThat(context.getBean("mcpHealthContributor", CompositeHealthContributor.class)
				.stream()
				.map((entry) -> entry.name())).containsExactly("default", "b"));
	}

	@Test
	void needsSpringBootHealth() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("mcpHealthContributor"));
	}

	@Test
	void backsOffByName() {
		CompositeHealthContributor own = CompositeHealthContributor
			.fromMap(java.util.Map.of("x", (HealthIndicator) () -> Health.up().build()));
		this.runner.withBean("mcpHealthContributor", CompositeHealthContributor.class, () -> own)
			.run((context) -> assertThat(context).getBean("mcpHealthContributor").isSameAs(own));
	}

}
