package io.github.cloudrunmcp.springai;

import java.time.Duration;
import java.util.List;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application that uses Spring AI's MCP client starter (not cloudrun-mcp's clients)
 * next to cloudrun-mcp: Spring AI builds its Streamable HTTP connections from Spring
 * Boot's {@code WebClient.Builder}, which cloudrun-mcp's {@code WebClientCustomizer}
 * gives the ID-token filter, so its requests to the configured server carry the token and
 * its requests elsewhere do not.
 */
@SpringBootTest(properties = { "cloudrun.mcp.auth.mode=google", "cloudrun.mcp.stream.enabled=false",
		"spring.ai.mcp.client.type=SYNC", "spring.ai.mcp.client.request-timeout=60s" })
class SpringAiMcpClientTests {

	private static final TestTokenIssuer issuer = new TestTokenIssuer();

	private static final FakeMetadataServer metadata = new FakeMetadataServer(issuer);

	private static final FakeMcpServer protectedServer = new FakeMcpServer();

	private static final FakeMcpServer otherServer = new FakeMcpServer();

	@Autowired
	private List<McpSyncClient> clients;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		metadata.start();
		protectedServer.start();
		otherServer.start();
		registry.add("cloudrun.mcp.base-url", protectedServer::origin);
		registry.add("spring.ai.mcp.client.streamable-http.connections.protected.url", protectedServer::origin);
		registry.add("spring.ai.mcp.client.streamable-http.connections.other.url", otherServer::origin);
	}

	@AfterAll
	static void stop() {
		protectedServer.stop();
		otherServer.stop();
		metadata.stop();
	}

	@Test
	void springAiConnectionsToTheConfiguredServerCarryItsIdToken() {
		assertThat(this.clients).hasSize(2);
		for (McpSyncClient client : this.clients) {
			assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("echo");
		}
		// Spring AI opens its GET stream without waiting for it, after initialize.
		await().atMost(Duration.ofSeconds(30)).until(() -> !protectedServer.requests("GET").isEmpty());
		List<FakeMcpServer.Request> requests = protectedServer.requests();
		assertThat(requests).extracting(FakeMcpServer.Request::method)
			.contains("initialize", "notifications/initialized", "tools/list");
		assertThat(requests).allSatisfy((request) -> {
			String authorization = request.authorization();
			assertThat(authorization).as(request.method()).startsWith("Bearer ");
			TestTokenIssuer.Verification verification = issuer.verify(authorization.substring(7),
					protectedServer.origin());
			assertThat(verification.valid()).as(verification.reason()).isTrue();
		});
	}

	@Test
	void springAiConnectionsToOtherServersGetNoToken() {
		assertThat(otherServer.requests()).extracting(FakeMcpServer.Request::method).contains("initialize");
		assertThat(otherServer.requests()).extracting(FakeMcpServer.Request::authorization).containsOnlyNulls();
	}

	@SpringBootApplication
	static class Application {

		@Bean
		GoogleCredentials googleCredentials() {
			return metadata.credentials();
		}

	}

}
