package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.fleet.FleetStreamHolder;
import io.github.cloudrunmcp.fleet.FleetSubscriber;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.server.McpConfigurationException;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.test.FakeEventServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class McpFleetAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpFleetAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class));

	@Test
	void everyInstanceIsTheDefaultAndCreatesNoFleet() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:9").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(FleetSubscriber.class).doesNotHaveBean(FleetStreamHolder.class);
		});
	}

	@Test
	void everyInstanceDeliversEveryEventToEveryInstance() {
		try (FakeEventServer server = new FakeEventServer().start()) {
			server.publishNumbered(50);
			Recorder first = new Recorder();
			Recorder second = new Recorder();
			ApplicationContextRunner instance = this.runner
				.withPropertyValues("cloudrun.mcp.base-url=" + server.origin(), "cloudrun.mcp.delivery=every-instance");
			instance.withBean(Recorder.class, () -> first)
				.run((one) -> instance.withBean(Recorder.class, () -> second).run((two) -> {
					await().atMost(Duration.ofSeconds(10))
						.until(() -> first.ids.size() == 50 && second.ids.size() == 50);
					assertThat(first.ids).isEqualTo(second.ids).doesNotHaveDuplicates();
				}));
		}
	}

	@Test
	void onceOnAStreamableHttpServerFailsWithTheFix() {
		this.runner
			.withPropertyValues("cloudrun.mcp.servers.tools.base-url=http://127.0.0.1:9",
					"cloudrun.mcp.servers.tools.transport=streamable-http", "cloudrun.mcp.servers.tools.delivery=once")
			.run((context) -> assertThat(context).getFailure()
				.isInstanceOf(McpConfigurationException.class)
				.hasMessageContaining("cloudrun.mcp.servers.tools.delivery to every-instance"));
	}

	@Test
	void aMaxAckExtensionNotLongerThanTheClaimTimeoutFailsWithTheFix() {
		// A copy of an event another instance handles is held until that claim times out.
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:9", "cloudrun.mcp.delivery=once",
					"cloudrun.mcp.fleet.project-id=fleet-test", "cloudrun.mcp.fleet.claim-timeout=2m",
					"cloudrun.mcp.fleet.max-ack-extension=1m")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(McpConfigurationException.class)
				.hasMessageContaining("cloudrun.mcp.fleet.max-ack-extension (PT1M) is not longer than "
						+ "cloudrun.mcp.fleet.claim-timeout (PT2M)"));
	}

	@Test
	void anAckDeadlineOutsidePubSubsRangeFailsWithTheFix() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:9", "cloudrun.mcp.delivery=once",
					"cloudrun.mcp.fleet.project-id=fleet-test", "cloudrun.mcp.fleet.ack-deadline=5s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(McpConfigurationException.class)
				.hasMessageContaining("Pub/Sub takes ack deadlines from 10 s to 600 s"));
	}

	static class Recorder {

		final List<String> ids = new CopyOnWriteArrayList<>();

		@McpListener
		void handle(McpEvent event) {
			this.ids.add(event.id());
		}

	}

}
