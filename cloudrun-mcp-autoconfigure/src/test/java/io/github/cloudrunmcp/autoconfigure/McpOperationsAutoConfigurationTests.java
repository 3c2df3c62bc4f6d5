package io.github.cloudrunmcp.autoconfigure;

import java.util.List;

import io.github.cloudrunmcp.actuate.McpEndpoint;
import io.github.cloudrunmcp.observation.McpSessionMetrics;
import io.github.cloudrunmcp.observation.McpStreamConnectionObservations;
import io.github.cloudrunmcp.observation.McpStreamMetrics;
import io.github.cloudrunmcp.observation.McpTokenMetrics;
import io.github.cloudrunmcp.protocol.McpTransportDecorator;
import io.github.cloudrunmcp.server.McpServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.modelcontextprotocol.client.McpAsyncClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Class conditions and back-off of the optional operations integrations: metrics,
 * observations and the actuator endpoint.
 */
class McpOperationsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class, McpMetricsAutoConfiguration.class,
				McpObservationAutoConfiguration.class, McpEndpointAutoConfiguration.class))
		.withBean(ObservationRegistry.class, ObservationRegistry::create)
		.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:1",
				"management.endpoints.web.exposure.include=mcp");

	@Test
	void allPresent() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.hasSingleBean(McpStreamMetrics.class)
			.hasSingleBean(McpTokenMetrics.class)
			.hasSingleBean(McpSessionMetrics.class)
			.hasBean("mcpObservationTransportDecorator")
			.hasBean("mcpTokenFetchObservationDecorator")
			.hasSingleBean(McpStreamConnectionObservations.class)
			.hasBean("mcpTraceContextWebClientCustomizer")
			.hasSingleBean(McpEndpoint.class));
	}

	@Test
	void metricsNeedMicrometer() {
		this.runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(McpStreamMetrics.class)
				.doesNotHaveBean(McpTokenMetrics.class)
				.doesNotHaveBean(McpSessionMetrics.class));
	}

	@Test
	void tokenAndSessionMetricsWithoutStreams() {
		this.runner.withPropertyValues("cloudrun.mcp.stream.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(McpStreamMetrics.class)
				.hasSingleBean(McpTokenMetrics.class)
				.hasSingleBean(McpSessionMetrics.class));
	}

	@Test
	void sessionMetricsNeedTheSdk() {
		this.runner.withClassLoader(new FilteredClassLoader(McpAsyncClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(McpSessionMetrics.class)
				.hasSingleBean(McpTokenMetrics.class));
	}

	@Test
	void observationsNeedMicrometerObservation() {
		this.runner.withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("mcpObservationTransportDecorator")
				.doesNotHaveBean("mcpTraceContextWebClientCustomizer"));
	}

	@Test
	void observationsNeedTheSdk() {
		this.runner.withClassLoader(new FilteredClassLoader(McpAsyncClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("mcpObservationTransportDecorator")
				.doesNotHaveBean(McpEndpoint.class));
	}

	@Test
	void traceContextHeadersNeedSpringBootWebClient() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClientCustomizer.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasBean("mcpObservationTransportDecorator")
				.doesNotHaveBean("mcpTraceContextWebClientCustomizer"));
	}

	@Test
	void endpointNeedsActuator() {
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(McpEndpoint.class));
	}

	@Test
	void beansBackOff() {
		McpStreamMetrics metrics = new McpStreamMetrics(List.of());
		McpTransportDecorator decorator = (server, transport, decorated) -> decorated;
		WebClientCustomizer customizer = (builder) -> {
		};
		McpEndpoint endpoint = new McpEndpoint(new McpServers(List.of()), List.of(), List.of(), null);
		this.runner.withBean("myMetrics", McpStreamMetrics.class, () -> metrics)
			.withBean("mcpObservationTransportDecorator", McpTransportDecorator.class, () -> decorator)
			.withBean("mcpTraceContextWebClientCustomizer", WebClientCustomizer.class, () -> customizer)
			.withBean("myEndpoint", McpEndpoint.class, () -> endpoint)
			.run((context) -> {
				assertThat(context).getBean(McpStreamMetrics.class).isSameAs(metrics);
				assertThat(context).getBean("mcpObservationTransportDecorator").isSameAs(decorator);
				assertThat(context).getBean("mcpTraceContextWebClientCustomizer").isSameAs(customizer);
				assertThat(context).getBean(McpEndpoint.class).isSameAs(endpoint);
			});
	}

}
