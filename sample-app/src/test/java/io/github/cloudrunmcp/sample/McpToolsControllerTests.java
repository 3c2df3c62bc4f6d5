package io.github.cloudrunmcp.sample;

import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample with an MCP server (transport streamable-http) next to the local demo's
 * event stream: its tools over the sample's HTTP API.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class McpToolsControllerTests {

	private static final FakeMcpServer server = new FakeMcpServer().on("tools/call",
			(request) -> Reply.result(request.id(), "{\"content\":[{\"type\":\"text\",\"text\":\"Echo: "
					+ request.body().path("params").path("arguments").path("message").asString() + "\"}]}"));

	@Autowired
	private WebTestClient client;

	@DynamicPropertySource
	static void mcpServer(DynamicPropertyRegistry registry) {
		server.start();
		registry.add("cloudrun.mcp.servers.tools.base-url", server::origin);
		registry.add("cloudrun.mcp.servers.tools.transport", () -> "streamable-http");
	}

	@AfterAll
	static void stop() {
		server.stop();
	}

	@Test
	void listsAndCallsTheToolsOfMcpServers() {
		List<Map<String, Object>> servers = this.client.get()
			.uri("/api/mcp")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {
			})
			.returnResult()
			.getResponseBody();
		assertThat(servers).singleElement().satisfies((entry) -> {
			assertThat(entry).containsEntry("server", "tools").containsEntry("initialized", true);
		});
		this.client.get().uri("/api/mcp/tools/tools").exchange().expectStatus().isOk().expectBody().json("[\"echo\"]");
		this.client.post()
			.uri("/api/mcp/tools/tools/echo")
			.bodyValue(Map.of("message", "hello"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.content[0].text")
			.isEqualTo("Echo: hello");
		// Every request to the MCP server carried an ID token (the local demo's
		// credentials, auth mode google).
		assertThat(server.requests())
			.allSatisfy((request) -> assertThat(request.authorization()).startsWith("Bearer "));
	}

	@Test
	void unknownServerIsNotFound() {
		this.client.get().uri("/api/mcp/nope/tools").exchange().expectStatus().isNotFound();
	}

}
