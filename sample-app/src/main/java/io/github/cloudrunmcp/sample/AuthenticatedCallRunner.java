package io.github.cloudrunmcp.sample;

import java.time.Duration;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Calls the default MCP server once through a {@link WebClient} built from Spring Boot's
 * builder, which carries the ID-token filter.
 */
@Component
class AuthenticatedCallRunner implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(AuthenticatedCallRunner.class);

	private final WebClient client;

	private final McpServer server;

	AuthenticatedCallRunner(WebClient.Builder builder, McpServers servers) {
		this.client = builder.build();
		this.server = servers.get(McpServer.DEFAULT_NAME);
	}

	@Override
	public void run(ApplicationArguments args) {
		String body = this.client.get()
			.uri(this.server.baseUrl())
			.retrieve()
			.bodyToMono(String.class)
			.block(Duration.ofSeconds(30));
		logger.info("Authenticated call to " + this.server.baseUrl() + " answered: " + body);
	}

}
