package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.modelcontextprotocol.client.McpAsyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session that the server forgot is renewed, and the application hears of it.
 */
class McpSessionRenewalTests {

	private final List<McpSessionRenewedEvent> renewals = new CopyOnWriteArrayList<>();

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

	@Test
	void renewalIsPublishedAsAnApplicationEvent() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http", "cloudrun.mcp.fail-fast=true",
					"cloudrun.mcp.client.initialize-timeout=30s", "cloudrun.mcp.client.liveness-interval=200ms",
					"cloudrun.mcp.stream.enabled=false")
			.withBean("renewals", ApplicationListener.class,
					() -> (ApplicationListener<PayloadApplicationEvent<?>>) (event) -> {
						if (event.getPayload() instanceof McpSessionRenewedEvent renewed) {
							this.renewals.add(renewed);
						}
					})
			.run((context) -> {
				assertThat(context.getBean(McpAsyncClient.class).isInitialized()).isTrue();
				assertThat(this.renewals).isEmpty();
				// As a server that restarted: the liveness probe's ping finds the session
				// gone, and a new one is initialized.
				this.server.expireSessions();
				await().atMost(Duration.ofSeconds(10)).until(() -> !this.renewals.isEmpty());
				McpSessionRenewedEvent renewed = this.renewals.get(0);
				assertThat(renewed.server()).isEqualTo("search");
				assertThat(renewed.protocolVersion()).isEqualTo("2025-11-25");
				assertThat(renewed.renewals()).isEqualTo(1);
				assertThat(this.server.requests("initialize")).hasSize(2);
			});
	}

}
