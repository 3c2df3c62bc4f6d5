package io.github.cloudrunmcp.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpObservationAutoConfiguration;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeEventServer.End;
import io.github.cloudrunmcp.test.FakeEventServer.Plan;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Observations of event stream connections against a real event server on loopback.
 */
class McpStreamConnectionObservationsTests {

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

	private final List<String> events = new CopyOnWriteArrayList<>();

	McpStreamConnectionObservationsTests() {
		this.registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

			@Override
			public void onEvent(Observation.Event event, Observation.Context context) {
				McpStreamConnectionObservationsTests.this.events.add(event.getName());
			}

			@Override
			public void onStop(Observation.Context context) {
				McpStreamConnectionObservationsTests.this.stopped.add(context);
			}

		});
	}

	private List<Observation.Context> connections() {
		return this.stopped.stream().filter((c) -> "mcp.stream.connection".equals(c.getName())).toList();
	}

	@Test
	void everyConnectionIsObservedUntilItEnds() {
		FakeEventServer server = new FakeEventServer();
		server.plan(Plan.drop(2, End.CLEAN), Plan.status(503, ""), Plan.stream());
		server.start();
		try {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
						McpEventStreamAutoConfiguration.class, McpObservationAutoConfiguration.class))
				.withBean(ObservationRegistry.class, () -> this.registry)
				.withPropertyValues("cloudrun.mcp.servers.feed.base-url=" + server.origin(),
						"cloudrun.mcp.stream.reconnect.initial-delay=50ms")
				.run((context) -> {
					await().atMost(Duration.ofSeconds(10)).until(() -> this.events.contains("mcp.stream.opened"));
					// The first connection ends after two events.
					server.publishNumbered(2);
					await().atMost(Duration.ofSeconds(10)).until(() -> connections().size() >= 2);
					Observation.Context dropped = connections().get(0);
					assertThat(dropped.getContextualName()).isEqualTo("stream feed");
					assertThat(dropped.getLowCardinalityKeyValue("mcp.server").getValue()).isEqualTo("feed");
					assertThat(dropped.getLowCardinalityKeyValue("server.address").getValue()).isEqualTo("127.0.0.1");
					assertThat(dropped.getLowCardinalityKeyValue("mcp.stream.opened").getValue()).isEqualTo("true");
					assertThat(dropped.getLowCardinalityKeyValue("mcp.stream.end").getValue())
						.isEqualTo("reconnecting");
					Observation.Context refused = connections().get(1);
					assertThat(refused.getLowCardinalityKeyValue("mcp.stream.opened").getValue()).isEqualTo("false");
					assertThat(refused.getLowCardinalityKeyValue("error.type").getValue()).isNotEqualTo("none");
					// The third connection opens after the refused one's backoff.
					await().atMost(Duration.ofSeconds(10))
						.until(() -> this.events.stream().filter("mcp.stream.opened"::equals).count() == 2);
				});
			// The third connection ends when the application stops.
			assertThat(connections()).hasSize(3);
			Observation.Context last = connections().get(2);
			assertThat(last.getLowCardinalityKeyValue("mcp.stream.opened").getValue()).isEqualTo("true");
			assertThat(last.getLowCardinalityKeyValue("mcp.stream.end").getValue()).isEqualTo("closed");
		}
		finally {
			server.stop();
		}
	}

}
