package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.function.Supplier;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpHealthAutoConfiguration;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.test.EverythingServer;
import io.github.cloudrunmcp.test.FakeMcpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The liveness probe of servers whose revision is {@code auto} (the default), against
 * real servers on loopback (the MCP reference server among them) that stop and start
 * again on the same port: after the negotiation it asks in the negotiated revision
 * ({@code ping} or {@code server/discover}), so that an outage turns the server's health
 * {@code DOWN} within one interval and the recovery {@code UP}. The event streams are
 * off, so that only the probe can tell.
 */
@ExtendWith(OutputCaptureExtension.class)
class NegotiatedLivenessTests {

	private static final Duration INTERVAL = Duration.ofMillis(300);

	// One interval for the check to run, one for it to time out, and room for a busy
	// machine.
	private static final Duration NOTICED_WITHIN = INTERVAL.multipliedBy(2).plusSeconds(3);

	private ApplicationContextRunner runner(String origin) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
					McpClientAutoConfiguration.class, McpHealthAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + origin,
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.auth.mode=none", "cloudrun.mcp.fail-fast=true",
					"cloudrun.mcp.client.initialize-timeout=30s", "cloudrun.mcp.client.liveness-interval=" + INTERVAL,
					"cloudrun.mcp.stream.enabled=false");
	}

	@Test
	void a20251125ServerIsPingedAndItsOutageAndRecoveryShowWithinAnInterval(CapturedOutput output) {
		FakeMcpServer server = new FakeMcpServer();
		server.start();
		try {
			runner(server.origin()).run((context) -> {
				assertThat(context.getBean(McpOperations.class).revision()).contains(McpRevision.V2025_11_25);
				HealthIndicator health = indicator(context);
				await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
				await().atMost(Duration.ofSeconds(10)).until(() -> server.requests("ping").size() >= 2);
				server.stop();
				server.expireSessions();
				assertNoticedWithin(() -> health.health().getStatus().equals(Status.DOWN));
				assertThat(output).contains("MCP server 'search' does not answer its liveness check");
				server.start();
				await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
				assertThat(output).contains("MCP server 'search' answers again");
				// Negotiated once, at start-up: the probe asks in the revision it found.
				assertThat(server.requests("server/discover")).hasSize(1);
				// The restarted server had forgotten the session: the ping found out and
				// a new one was initialized.
				assertThat(server.requests("initialize")).hasSizeGreaterThanOrEqualTo(2);
			});
		}
		finally {
			server.stop();
		}
	}

	@Test
	void a20260728ServerIsAskedWithDiscoverAndItsOutageAndRecoveryShowWithinAnInterval(CapturedOutput output)
			throws Exception {
		JavaSdkStatelessServer first = JavaSdkStatelessServer.start();
		// The server that runs, to close at the end.
		JavaSdkStatelessServer[] running = { first };
		int port = first.port();
		try {
			runner(first.origin()).run((context) -> {
				assertThat(context.getBean(McpOperations.class).revision()).contains(McpRevision.V2026_07_28);
				McpLivenessProbe probe = context.getBean(McpLivenessProbe.class);
				assertThat(probe.checks("search")).isTrue();
				HealthIndicator health = indicator(context);
				await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
				// The negotiation's discover, then the probe's.
				await().atMost(Duration.ofSeconds(10))
					.until(() -> first.requests()
						.stream()
						.filter((headers) -> "server/discover".equals(headers.get("mcp-method")))
						.count() >= 3);
				running[0] = null;
				first.close();
				assertNoticedWithin(() -> health.health().getStatus().equals(Status.DOWN));
				assertThat(output).contains("MCP server 'search' does not answer its liveness check");
				JavaSdkStatelessServer restarted = JavaSdkStatelessServer.start(port);
				running[0] = restarted;
				await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
				assertThat(output).contains("MCP server 'search' answers again");
				assertThat(restarted.requests())
					.allSatisfy((headers) -> assertThat(headers.get("mcp-method")).isEqualTo("server/discover"));
				assertThat(context.getBean(McpOperations.class).revision()).contains(McpRevision.V2026_07_28);
			});
		}
		finally {
			if (running[0] != null) {
				running[0].close();
			}
		}
	}

	@Test
	void theMcpReferenceServersOutageAndRecoveryShowWithinAnInterval(CapturedOutput output) {
		assumeThat(EverythingServer.isInstalled()).as("the MCP reference server is installed (npm ci)").isTrue();
		EverythingServer first = EverythingServer.start();
		// The server that runs, to close at the end.
		EverythingServer[] running = { first };
		int port = first.port();
		try {
			runner(first.origin()).run((context) -> {
				assertThat(context.getBean(McpOperations.class).revision()).contains(McpRevision.V2025_11_25);
				HealthIndicator health = indicator(context);
				await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
				// The reference server's process ends: nothing listens on its port.
				running[0] = null;
				first.close();
				assertNoticedWithin(() -> health.health().getStatus().equals(Status.DOWN));
				assertThat(output).contains("MCP server 'search' does not answer its liveness check");
				// A new process on the same port, which knows no session.
				running[0] = EverythingServer.start(port);
				await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.UP));
				assertThat(output).contains("MCP server 'search' answers again");
			});
		}
		finally {
			if (running[0] != null) {
				running[0].close();
			}
		}
	}

	private static void assertNoticedWithin(Supplier<Boolean> condition) {
		long stopped = System.nanoTime();
		await().atMost(NOTICED_WITHIN.plusSeconds(5)).until(condition::get);
		assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(NOTICED_WITHIN);
	}

	private static HealthIndicator indicator(AssertableApplicationContext context) {
		HealthIndicator indicator = (HealthIndicator) context
			.getBean("mcpHealthContributor", CompositeHealthContributor.class)
			.getContributor("search");
		assertThat(indicator).isNotNull();
		return indicator;
	}

}
