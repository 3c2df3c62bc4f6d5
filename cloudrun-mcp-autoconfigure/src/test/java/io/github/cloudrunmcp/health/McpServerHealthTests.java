package io.github.cloudrunmcp.health;

import java.time.Duration;
import java.util.Map;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpHealthAutoConfiguration;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeMcpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code mcp} health contributor and the liveness probe against real servers on
 * loopback that go down and come back.
 */
@ExtendWith(OutputCaptureExtension.class)
class McpServerHealthTests {

	private static final Duration INTERVAL = Duration.ofMillis(300);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
				McpEventStreamAutoConfiguration.class, McpHealthAutoConfiguration.class));

	private FakeMcpServer server;

	@BeforeEach
	void start() {
		this.server = new FakeMcpServer();
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop();
	}

	private ApplicationContextRunner mcp(String... properties) {
		return this.runner
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.fail-fast=true",
					"cloudrun.mcp.client.initialize-timeout=30s", "cloudrun.mcp.client.liveness-interval=" + INTERVAL,
					"cloudrun.mcp.stream.reconnect.initial-delay=50ms")
			.withPropertyValues(properties);
	}

	private static HealthIndicator indicator(ApplicationContext context, String server) {
		HealthIndicator indicator = (HealthIndicator) context
			.getBean("mcpHealthContributor", CompositeHealthContributor.class)
			.getContributor(server);
		assertThat(indicator).as("indicator of " + server).isNotNull();
		return indicator;
	}

	@Test
	void outageIsDownAndLoggedWithinAnIntervalAndRecoveryIsUp(CapturedOutput output) {
		mcp().run((context) -> {
			HealthIndicator health = indicator(context, "search");
			await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.UP));
			// The server's GET stream answers 405, so no connection notices the
			// outage: only the probe can.
			this.server.stop();
			this.server.expireSessions();
			long stopped = System.nanoTime();
			await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
			Duration toDown = Duration.ofNanos(System.nanoTime() - stopped);
			// Within one interval for the check to run plus one for it to time out, with
			// room for a busy machine.
			assertThat(toDown).isLessThan(INTERVAL.multipliedBy(2).plusSeconds(2));
			Health down = health.health();
			@SuppressWarnings("unchecked")
			Map<String, Object> liveness = (Map<String, Object>) down.getDetails().get("liveness");
			assertThat(liveness).containsEntry("answered", false).containsKey("downSince").containsKey("error");
			assertThat(output).contains("MCP server 'search' does not answer its liveness check");
			this.server.start();
			await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
			assertThat(output).contains("MCP server 'search' answers again");
			// The restarted server had forgotten the session: the probe's ping found that
			// out and a new session was initialized.
			assertThat(this.server.requests("initialize")).hasSizeGreaterThanOrEqualTo(2);
		});
	}

	@Test
	void sessionWithoutEventStreamHasAnIndicator() {
		mcp("cloudrun.mcp.stream.enabled=false").run((context) -> {
			HealthIndicator health = indicator(context, "search");
			await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.UP));
			assertThat(health.health().getDetails()).containsEntry("url", this.server.mcpUrl());
			this.server.stop();
			await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
		});
	}

	@Test
	void probeSendsPingAtTheInterval() {
		mcp().run((context) -> {
			await().atMost(Duration.ofSeconds(5)).until(() -> this.server.requests("ping").size() >= 3);
			assertThat(context.getBean(McpLivenessProbe.class).liveness("search")).isNotNull()
				.satisfies((liveness) -> assertThat(liveness.answered()).isTrue());
		});
	}

	@Test
	void probeOffWithZeroInterval() {
		mcp("cloudrun.mcp.client.liveness-interval=0").run((context) -> {
			Thread.sleep(INTERVAL.multipliedBy(3).toMillis());
			assertThat(this.server.requests("ping")).isEmpty();
			assertThat(context.getBean(McpLivenessProbe.class).liveness("search")).isNull();
		});
	}

	@Test
	void everyServerHasAnIndicatorWhateverItsTransport() {
		FakeEventServer events = new FakeEventServer();
		events.start();
		try {
			mcp("cloudrun.mcp.servers.feed.base-url=" + events.origin()).run((context) -> {
				assertThat(indicator(context, "search")).isNotNull();
				HealthIndicator feed = indicator(context, "feed");
				await().atMost(Duration.ofSeconds(5)).until(() -> feed.health().getStatus().equals(Status.UP));
				assertThat(feed.health().getDetails()).doesNotContainKey("liveness");
			});
		}
		finally {
			events.stop();
		}
	}

}
