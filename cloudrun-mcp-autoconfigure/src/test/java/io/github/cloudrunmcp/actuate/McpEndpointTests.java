package io.github.cloudrunmcp.actuate;

import java.time.Duration;
import java.time.Instant;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEndpointAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code mcp} actuator endpoint against real servers on loopback.
 */
class McpEndpointTests {

	private FakeMetadataServer metadata;

	private FakeMcpServer mcp;

	private FakeEventServer events;

	@BeforeEach
	void start() {
		this.metadata = FakeMetadataServer.started();
		this.mcp = new FakeMcpServer();
		this.mcp.start();
		this.events = new FakeEventServer();
		this.events.start();
	}

	@AfterEach
	void stop() {
		this.events.stop();
		this.mcp.stop();
		this.metadata.stop();
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class,
							McpEventStreamAutoConfiguration.class, McpEndpointAutoConfiguration.class))
			.withBean(GoogleCredentials.class, this.metadata::credentials)
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.mcp.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.servers.search.auth.mode=google",
					"cloudrun.mcp.fail-fast=true", "cloudrun.mcp.client.initialize-timeout=30s",
					"cloudrun.mcp.client.liveness-interval=0",
					"cloudrun.mcp.servers.feed.base-url=" + this.events.origin());
	}

	@Test
	void notAvailableUnlessExposed() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(McpEndpoint.class);
		});
	}

	@Test
	void describesEveryServerWithoutTheToken() {
		runner().withPropertyValues("management.endpoints.web.exposure.include=mcp").run((context) -> {
			McpEndpoint endpoint = context.getBean(McpEndpoint.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				McpEndpoint.ServerDescriptor feed = endpoint.server("feed").block();
				return feed != null && feed.status() != null && "OPEN".equals(feed.status().state());
			});
			this.events.publish("tick", "{\"n\":1}");
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				McpEndpoint.ServerDescriptor feed = endpoint.server("feed").block();
				return feed != null && feed.eventsReceived() != null && feed.eventsReceived() == 1;
			});
			McpEndpoint.ServersDescriptor all = endpoint.servers().block();
			assertThat(all).isNotNull();
			assertThat(all.servers()).containsOnlyKeys("search", "feed");
			McpEndpoint.ServerDescriptor search = all.servers().get("search");
			assertThat(search.transport()).isEqualTo("streamable-http");
			assertThat(search.url()).isEqualTo(this.mcp.mcpUrl());
			assertThat(search.protocolVersion()).isEqualTo("2025-11-25");
			assertThat(search.initialized()).isTrue();
			assertThat(search.tools()).isEqualTo(1);
			assertThat(search.token()).isNotNull();
			assertThat(search.token().expiresAt()).isAfter(Instant.now());
			McpEndpoint.ServerDescriptor feed = all.servers().get("feed");
			assertThat(feed.transport()).isEqualTo("events");
			assertThat(feed.status().state()).isEqualTo("OPEN");
			assertThat(feed.reconnects()).isZero();
			assertThat(feed.token()).isNull();
			String json = JsonMapper.builder().build().writeValueAsString(all);
			String token = this.mcp.requests("tools/list").get(0).authorization();
			assertThat(token).startsWith("Bearer ");
			assertThat(json).doesNotContain(token.substring("Bearer ".length()))
				.doesNotContain(this.mcp.requests("tools/list").get(0).sessionId());
			assertThat(endpoint.server("nope").block()).isNull();
		});
	}

	@Test
	void neverShowsASessionIdCarriedInEventIds() {
		// As servers built on the SDK's servlet transport do: every event ID is the
		// session ID.
		this.mcp.onGet((request) -> (request.lastEventId() == null)
				? Reply.sse(Reply.event("session-1",
						"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"x\"}}"))
				: Reply.hang());
		runner().withPropertyValues("management.endpoints.web.exposure.include=mcp").run((context) -> {
			McpEndpoint endpoint = context.getBean(McpEndpoint.class);
			McpEventStream search = context.getBeansOfType(McpEventStream.class)
				.values()
				.stream()
				.filter((stream) -> stream.server().equals("search"))
				.findFirst()
				.orElseThrow();
			await().atMost(Duration.ofSeconds(10)).until(() -> "session-1".equals(search.lastEventId()));
			McpEndpoint.ServerDescriptor descriptor = endpoint.server("search").block();
			assertThat(descriptor.lastEventId()).isNull();
			assertThat(JsonMapper.builder().build().writeValueAsString(descriptor)).doesNotContain("session-1");
		});
	}

	@Test
	void escapesEventIdsFromTheServer() {
		// A C1 control character can be sent back in a header, so the ID is kept.
		this.mcp.onGet((request) -> (request.lastEventId() == null)
				? Reply.sse(Reply.event("n\u0085\u009b2Jx",
						"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"x\"}}"))
				: Reply.hang());
		runner().withPropertyValues("management.endpoints.web.exposure.include=mcp").run((context) -> {
			McpEndpoint endpoint = context.getBean(McpEndpoint.class);
			McpEventStream search = context.getBeansOfType(McpEventStream.class)
				.values()
				.stream()
				.filter((stream) -> stream.server().equals("search"))
				.findFirst()
				.orElseThrow();
			await().atMost(Duration.ofSeconds(10)).until(() -> !search.lastEventId().isEmpty());
			assertThat(endpoint.server("search").block().lastEventId()).isNotNull()
				.startsWith("n")
				.doesNotContain("\u0085")
				.doesNotContain("\u009b");
		});
	}

}
