package io.github.cloudrunmcp.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpMetricsAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpObservationAutoConfiguration;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.modelcontextprotocol.client.McpAsyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Observations of ID-token fetches and the token and session metrics, against a real
 * metadata server and MCP server on loopback.
 */
class McpTokenAndSessionMetricsTests {

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final MeterRegistry meters = new SimpleMeterRegistry();

	private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

	private FakeMetadataServer metadata;

	private FakeMcpServer server;

	@BeforeEach
	void start() {
		this.metadata = FakeMetadataServer.started();
		this.server = new FakeMcpServer();
		this.server.start();
		this.observations.observationConfig()
			.observationHandler(new DefaultMeterObservationHandler(this.meters))
			.observationHandler(new ObservationHandler<>() {

				@Override
				public boolean supportsContext(Observation.Context context) {
					return true;
				}

				@Override
				public void onStop(Observation.Context context) {
					McpTokenAndSessionMetricsTests.this.stopped.add(context);
				}

			});
	}

	@AfterEach
	void stop() {
		this.server.stop();
		this.metadata.stop();
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpObservationAutoConfiguration.class,
							McpClientAutoConfiguration.class, McpMetricsAutoConfiguration.class))
			.withBean(ObservationRegistry.class, () -> this.observations)
			.withBean(GoogleCredentials.class, this.metadata::credentials)
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.servers.search.auth.mode=google",
					"cloudrun.mcp.client.lazy=true", "cloudrun.mcp.client.initialize-timeout=30s",
					"cloudrun.mcp.client.liveness-interval=0", "cloudrun.mcp.stream.enabled=false");
	}

	private List<Observation.Context> tokenFetches() {
		return this.stopped.stream().filter((c) -> "mcp.token.fetch".equals(c.getName())).toList();
	}

	@Test
	void aTokenFetchIsObservedWithSourceAudienceHostAndOutcomeButNotTheToken() {
		runner().run((context) -> {
			context.getBean(McpTokenMetrics.class).bindTo(this.meters);
			assertThat(this.meters.get("mcp.token.age").tag("mcp.server", "search").timeGauge().value()).isNaN();
			context.getBean(McpAsyncClient.class).initialize().block(Duration.ofSeconds(30));
			assertThat(tokenFetches()).hasSize(1);
			Observation.Context fetch = tokenFetches().get(0);
			assertThat(fetch.getLowCardinalityKeyValue("mcp.token.source").getValue()).isEqualTo("metadata-server");
			assertThat(fetch.getLowCardinalityKeyValue("server.address").getValue()).isEqualTo("127.0.0.1");
			assertThat(fetch.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("SUCCESS");
			assertThat(fetch.getLowCardinalityKeyValue("error.type").getValue()).isEqualTo("none");
			String authorization = this.server.requests("initialize").get(0).authorization();
			assertThat(authorization).startsWith("Bearer ");
			String token = authorization.substring("Bearer ".length());
			assertThat(fetch.getAllKeyValues()).extracting(KeyValue::getValue)
				.noneMatch((value) -> value.contains(token));
			assertThat(fetch.getContextualName()).isEqualTo("id token 127.0.0.1");
			assertThat(this.meters.get("mcp.token.fetch").tag("outcome", "SUCCESS").timer().count()).isOne();
			double age = this.meters.get("mcp.token.age")
				.tag("mcp.server", "search")
				.timeGauge()
				.value(TimeUnit.SECONDS);
			assertThat(age).isBetween(0.0, 60.0);
			double expiry = this.meters.get("mcp.token.expiry")
				.tag("mcp.server", "search")
				.timeGauge()
				.value(TimeUnit.SECONDS);
			assertThat(expiry).isBetween(60.0, 3600.0);
		});
	}

	@Test
	void aFailedTokenFetchIsObservedAsAFailure() {
		this.metadata.fail(FakeMetadataServer.Failure.SERVER_ERROR);
		runner().run((context) -> {
			assertThatThrownBy(() -> context.getBean(McpAsyncClient.class).initialize().block(Duration.ofSeconds(30)))
				.isNotNull();
			await().atMost(Duration.ofSeconds(10)).until(() -> !tokenFetches().isEmpty());
			Observation.Context fetch = tokenFetches().get(0);
			assertThat(fetch.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("FAILURE");
			assertThat(fetch.getLowCardinalityKeyValue("error.type").getValue())
				.isEqualTo("IdTokenUnavailableException");
			assertThat(this.meters.get("mcp.token.fetch").tag("outcome", "FAILURE").timer().count()).isOne();
		});
	}

	@Test
	void sessionRenewalsAreCounted() {
		runner().withPropertyValues("cloudrun.mcp.client.liveness-interval=200ms").run((context) -> {
			context.getBean(McpSessionMetrics.class).bindTo(this.meters);
			context.getBean(McpAsyncClient.class).initialize().block(Duration.ofSeconds(30));
			this.server.expireSessions();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.meters.find("mcp.session.renewals").tag("mcp.server", "search").counter() != null);
			assertThat(this.meters.get("mcp.session.renewals").tag("mcp.server", "search").counter().count()).isOne();
		});
	}

}
