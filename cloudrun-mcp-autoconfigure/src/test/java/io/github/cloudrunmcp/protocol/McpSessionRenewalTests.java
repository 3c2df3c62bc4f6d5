package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import reactor.core.Disposable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session that the server forgot is renewed, and the application hears of it.
 */
@ExtendWith(OutputCaptureExtension.class)
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
	void renewedSessionGetsTheSubscriptionsAndLoggingLevelAgainAndItsUpdates() {
		this.server.capabilities("{\"resources\":{\"subscribe\":true},\"logging\":{}}")
			.on("resources/subscribe", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"))
			.on("resources/unsubscribe", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"))
			.on("logging/setLevel", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"))
			.onGet(this.server::notifications);
		List<String> updates = new CopyOnWriteArrayList<>();
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.fail-fast=true",
					"cloudrun.mcp.auth.mode=none", "cloudrun.mcp.client.initialize-timeout=30s",
					"cloudrun.mcp.client.liveness-interval=200ms", "cloudrun.mcp.stream.enabled=false")
			.withBean("renewals", ApplicationListener.class,
					() -> (ApplicationListener<PayloadApplicationEvent<?>>) (event) -> {
						if (event.getPayload() instanceof McpSessionRenewedEvent renewed) {
							this.renewals.add(renewed);
						}
					})
			.run((context) -> {
				McpSession session = context.getBean(McpSession.class);
				Disposable events = session.transport()
					.events()
					.filter((event) -> event.data().contains("notifications/resources/updated"))
					.subscribe((event) -> updates.add(event.json().path("params").path("uri").asString()));
				try {
					McpAsyncClient client = session.async();
					client.subscribeResource(McpSchema.SubscribeRequest.builder("file:///kept").build())
						.block(Duration.ofSeconds(30));
					client.subscribeResource(McpSchema.SubscribeRequest.builder("file:///dropped").build())
						.block(Duration.ofSeconds(30));
					client.unsubscribeResource(McpSchema.UnsubscribeRequest.builder("file:///dropped").build())
						.block(Duration.ofSeconds(30));
					client.setLoggingLevel(McpSchema.LoggingLevel.WARNING).block(Duration.ofSeconds(30));
					String oldSession = session.transport().sessionId();
					// As a server that restarted: it forgets the session and what was set
					// up in it; the liveness probe's ping finds out.
					this.server.expireSessions();
					await().atMost(Duration.ofSeconds(20)).until(() -> !this.renewals.isEmpty());
					await().atMost(Duration.ofSeconds(20))
						.until(() -> subscriptionsOf(session.transport().sessionId()).contains("file:///kept"));
					String newSession = session.transport().sessionId();
					assertThat(newSession).isNotEqualTo(oldSession);
					assertThat(subscriptionsOf(newSession)).containsExactly("file:///kept");
					await().atMost(Duration.ofSeconds(20))
						.until(() -> this.server.requests("logging/setLevel")
							.stream()
							.anyMatch((request) -> newSession.equals(request.sessionId())
									&& "warning".equals(request.body().path("params").path("level").asString())));
					// The GET stream of the new session carries the update.
					await().atMost(Duration.ofSeconds(20))
						.until(() -> this.server.requests("GET")
							.stream()
							.anyMatch((request) -> newSession.equals(request.sessionId())));
					this.server.publishNotification("{\"jsonrpc\":\"2.0\",\"method\":"
							+ "\"notifications/resources/updated\",\"params\":{\"uri\":\"file:///kept\"}}");
					await().atMost(Duration.ofSeconds(20)).until(() -> updates.contains("file:///kept"));
					// The restoring requests' answers are not the client's: it still
					// works.
					assertThat(client.ping().block(Duration.ofSeconds(30))).isNotNull();
				}
				finally {
					events.dispose();
				}
			});
	}

	@Test
	void configuredResourceSubscriptionsAreSentInTheFirstSessionAndInEveryNewOne() {
		this.server.capabilities("{\"resources\":{\"subscribe\":true}}")
			.on("resources/subscribe", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"));
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25",
					"cloudrun.mcp.servers.search.resource-subscriptions=file:///configured",
					"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.auth.mode=none",
					"cloudrun.mcp.client.initialize-timeout=30s", "cloudrun.mcp.client.liveness-interval=200ms",
					"cloudrun.mcp.stream.enabled=false")
			.withBean("renewals", ApplicationListener.class,
					() -> (ApplicationListener<PayloadApplicationEvent<?>>) (event) -> {
						if (event.getPayload() instanceof McpSessionRenewedEvent renewed) {
							this.renewals.add(renewed);
						}
					})
			.run((context) -> {
				McpSession session = context.getBean(McpSession.class);
				String first = session.transport().sessionId();
				await().atMost(Duration.ofSeconds(20))
					.until(() -> subscriptionsOf(first).contains("file:///configured"));
				this.server.expireSessions();
				await().atMost(Duration.ofSeconds(20)).until(() -> !this.renewals.isEmpty());
				await().atMost(Duration.ofSeconds(20))
					.until(() -> subscriptionsOf(session.transport().sessionId()).contains("file:///configured"));
				assertThat(session.transport().sessionId()).isNotEqualTo(first);
				assertThat(subscriptionsOf(session.transport().sessionId())).containsExactly("file:///configured");
				// The answers to these requests are not the client's: it still works.
				assertThat(session.async().ping().block(Duration.ofSeconds(30))).isNotNull();
			});
	}

	@Test
	void aConfiguredSubscriptionTheApplicationUnsubscribedFromIsNotSentInANewSession() {
		this.server.capabilities("{\"resources\":{\"subscribe\":true}}")
			.on("resources/subscribe", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"))
			.on("resources/unsubscribe", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"));
		renewing("cloudrun.mcp.servers.search.resource-subscriptions=file:///configured").run((context) -> {
			McpSession session = context.getBean(McpSession.class);
			String first = session.transport().sessionId();
			await().atMost(Duration.ofSeconds(20)).until(() -> subscriptionsOf(first).contains("file:///configured"));
			McpAsyncClient client = session.async();
			client.unsubscribeResource(McpSchema.UnsubscribeRequest.builder("file:///configured").build())
				.block(Duration.ofSeconds(30));
			client.subscribeResource(McpSchema.SubscribeRequest.builder("file:///kept").build())
				.block(Duration.ofSeconds(30));
			this.server.expireSessions();
			await().atMost(Duration.ofSeconds(20)).until(() -> !this.renewals.isEmpty());
			await().atMost(Duration.ofSeconds(20))
				.until(() -> subscriptionsOf(session.transport().sessionId()).contains("file:///kept"));
			// Sent together with the one that went through: it would have arrived by the
			// time a ping went there and back.
			assertThat(session.async().ping().block(Duration.ofSeconds(30))).isNotNull();
			Thread.sleep(300);
			assertThat(subscriptionsOf(session.transport().sessionId())).containsExactly("file:///kept");
		});
	}

	@Test
	void configuredResourceSubscriptionsAreAskedForOnceAndNotOnANetworkThread() {
		this.server.capabilities("{\"resources\":{\"subscribe\":true}}")
			.on("resources/subscribe", (request) -> FakeMcpServer.Reply.result(request.id(), "{}"));
		List<String> askedOn = new CopyOnWriteArrayList<>();
		renewing().withBean("mcpSessionRenewalTransportDecorator", McpTransportDecorator.class,
				() -> McpSessionRenewalTransport.decorator((event) -> {
					if (event instanceof McpSessionRenewedEvent renewed) {
						this.renewals.add(renewed);
					}
				}, (server) -> {
					askedOn.add(Thread.currentThread().getName());
					return List.of("file:///configured");
				}))
			.run((context) -> {
				McpSession session = context.getBean(McpSession.class);
				await().atMost(Duration.ofSeconds(20))
					.until(() -> subscriptionsOf(session.transport().sessionId()).contains("file:///configured"));
				for (int renewal = 1; renewal <= 2; renewal++) {
					int renewed = renewal;
					this.server.expireSessions();
					await().atMost(Duration.ofSeconds(20)).until(() -> this.renewals.size() >= renewed);
					await().atMost(Duration.ofSeconds(20))
						.until(() -> subscriptionsOf(session.transport().sessionId()).contains("file:///configured"));
				}
				assertThat(askedOn).singleElement()
					.satisfies((thread) -> assertThat(thread).doesNotContain("reactor-http"));
			});
	}

	private ApplicationContextRunner renewing(String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.fail-fast=true",
					"cloudrun.mcp.auth.mode=none", "cloudrun.mcp.client.initialize-timeout=30s",
					"cloudrun.mcp.client.liveness-interval=200ms", "cloudrun.mcp.stream.enabled=false")
			.withPropertyValues(properties)
			.withBean("renewals", ApplicationListener.class,
					() -> (ApplicationListener<PayloadApplicationEvent<?>>) (event) -> {
						if (event.getPayload() instanceof McpSessionRenewedEvent renewed) {
							this.renewals.add(renewed);
						}
					});
	}

	@Test
	void configuredResourceSubscriptionsAreNotSentToAServerThatDoesNotOfferThem(CapturedOutput output) {
		this.server.capabilities("{\"resources\":{}}");
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25",
					"cloudrun.mcp.servers.search.resource-subscriptions=file:///configured",
					"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.auth.mode=none",
					"cloudrun.mcp.client.initialize-timeout=30s", "cloudrun.mcp.client.liveness-interval=0",
					"cloudrun.mcp.stream.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				await().atMost(Duration.ofSeconds(20))
					.until(() -> output.getOut().contains("does not offer resource subscriptions"));
				assertThat(context.getBean(McpSession.class).async().ping().block(Duration.ofSeconds(30))).isNotNull();
				assertThat(this.server.requests("resources/subscribe")).isEmpty();
			});
	}

	private List<String> subscriptionsOf(String sessionId) {
		return this.server.requests("resources/subscribe")
			.stream()
			.filter((request) -> sessionId != null && sessionId.equals(request.sessionId()))
			.map((request) -> request.body().path("params").path("uri").asString())
			.toList();
	}

	@Test
	void renewalIsPublishedAsAnApplicationEvent() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.fail-fast=true",
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
