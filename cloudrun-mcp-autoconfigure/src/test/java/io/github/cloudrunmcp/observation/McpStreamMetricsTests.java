package io.github.cloudrunmcp.observation;

import java.time.Duration;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpMetricsAutoConfiguration;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeEventServer.End;
import io.github.cloudrunmcp.test.FakeEventServer.Plan;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event streams' metrics against a real event server on loopback.
 */
class McpStreamMetricsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class, McpMetricsAutoConfiguration.class));

	@Test
	void eventsConnectionsAndReconnectsAreCounted() {
		FakeEventServer server = new FakeEventServer();
		server.plan(Plan.drop(3, End.CLEAN), Plan.stream());
		server.start();
		try {
			this.runner
				.withPropertyValues("cloudrun.mcp.servers.feed.base-url=" + server.origin(),
						"cloudrun.mcp.stream.reconnect.initial-delay=50ms")
				.run((context) -> {
					MeterRegistry registry = new SimpleMeterRegistry();
					context.getBean(McpStreamMetrics.class).bindTo(registry);
					await().atMost(Duration.ofSeconds(10))
						.until(() -> registry.get("mcp.stream.open").tag("mcp.server", "feed").gauge().value() == 1.0);
					server.publishNumbered(5);
					await().atMost(Duration.ofSeconds(10))
						.until(() -> registry.get("mcp.stream.events.dispatched")
							.tag("mcp.server", "feed")
							.functionCounter()
							.count() >= 5);
					assertThat(registry.get("mcp.stream.events.received").functionCounter().count())
						.isGreaterThanOrEqualTo(5);
					assertThat(registry.get("mcp.stream.events.dropped").functionCounter().count()).isZero();
					assertThat(registry.get("mcp.stream.connections").functionCounter().count())
						.isGreaterThanOrEqualTo(2);
					assertThat(registry.get("mcp.stream.reconnects").counter().count()).isGreaterThanOrEqualTo(1);
					assertThat(registry.get("mcp.stream.buffer.used").gauge().value()).isZero();
					assertThat(registry.get("mcp.stream.last.event.age").timeGauge().value()).isNotNegative();
				});
		}
		finally {
			server.stop();
		}
	}

}
