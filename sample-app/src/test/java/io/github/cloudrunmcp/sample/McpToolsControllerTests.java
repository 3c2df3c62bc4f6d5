package io.github.cloudrunmcp.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample with an MCP server (transport streamable-http) next to the local demo's
 * event stream: its tools over the sample's HTTP API.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@ExtendWith(OutputCaptureExtension.class)
class McpToolsControllerTests {

	private static final FakeMcpServer server = new FakeMcpServer().on("tools/call", McpToolsControllerTests::callTool);

	@Autowired
	private WebTestClient client;

	@DynamicPropertySource
	static void mcpServer(DynamicPropertyRegistry registry) {
		server.start();
		registry.add("cloudrun.mcp.servers.tools.base-url", server::origin);
		registry.add("cloudrun.mcp.servers.tools.transport", () -> "streamable-http");
	}

	/**
	 * Echo, or for {@code slow} a progress notification for the call's progress token
	 * (none when it has none, as servers do) ahead of the result.
	 */
	private static Reply callTool(FakeMcpServer.Request request) {
		JsonNode params = request.body().path("params");
		if (params.path("name").asString().equals("slow")) {
			JsonNode token = params.path("_meta").path("progressToken");
			String result = Reply.event(null, "{\"jsonrpc\":\"2.0\",\"id\":" + request.id()
					+ ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}");
			return token.isMissingNode() ? Reply.sse(result)
					: Reply.sse(Reply.event(null,
							"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":"
									+ token + ",\"progress\":1,\"total\":2}}"),
							result);
		}
		return Reply.result(request.id(), "{\"content\":[{\"type\":\"text\",\"text\":\"Echo: "
				+ params.path("arguments").path("message").asString() + "\"}]}");
	}

	@AfterAll
	static void stop() {
		server.stop();
	}

	@Test
	void listsAndCallsTheToolsOfMcpServers() {
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
			// Revision auto (the default): the fake server does not know
			// server/discover, so the calls above negotiated the 2025-11-25 handshake.
			assertThat(entry).containsEntry("server", "tools").containsEntry("revision", "2025-11-25");
		});
		assertThat(server.requests()).extracting(FakeMcpServer.Request::method)
			.containsSubsequence("server/discover", "initialize", "tools/list", "tools/call");
		// Every request to the MCP server carried an ID token (the local demo's
		// credentials, auth mode google).
		assertThat(server.requests())
			.allSatisfy((request) -> assertThat(request.authorization()).startsWith("Bearer "));
	}

	@Test
	void toolCallsCarryAProgressTokenSoThatTheProgressListenerHearsOfThem(CapturedOutput output) {
		this.client.post()
			.uri("/api/mcp/tools/tools/slow")
			.bodyValue(Map.of())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.content[0].text")
			.isEqualTo("done");
		List<FakeMcpServer.Request> calls = server.requests("tools/call");
		String token = calls.get(calls.size() - 1).body().path("params").path("_meta").path("progressToken").asString();
		assertThat(token).isNotBlank();
		// AgentListeners.onProgress, an @McpListener("notifications/progress") typed
		// with the SDK's ProgressNotification.
		await().atMost(Duration.ofSeconds(10))
			.until(() -> output.getOut().contains("Progress " + token + ": 1.0 of 2.0"));
	}

	@Test
	void unknownServerIsNotFound() {
		this.client.get().uri("/api/mcp/nope/tools").exchange().expectStatus().isNotFound();
	}

}
