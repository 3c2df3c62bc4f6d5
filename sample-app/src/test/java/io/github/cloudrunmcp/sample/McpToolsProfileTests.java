package io.github.cloudrunmcp.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside the local demo (a configured server, as on Cloud Run) the MCP tool proxy does
 * not exist: it would let any invoker call any tool as the service account.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "cloudrun.mcp.base-url=http://127.0.0.1:9", "cloudrun.mcp.auth.mode=none" })
@AutoConfigureWebTestClient
class McpToolsProfileTests {

	@Autowired
	private ApplicationContext context;

	@Autowired
	private WebTestClient client;

	@Test
	void toolProxyIsLocalOnly() {
		assertThat(this.context.getEnvironment().getActiveProfiles()).doesNotContain("local");
		assertThat(this.context.getBeanNamesForType(McpToolsController.class)).isEmpty();
		this.client.get().uri("/api/mcp").exchange().expectStatus().isNotFound();
		this.client.post()
			.uri("/api/mcp/default/tools/anything")
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isNotFound();
	}

}
