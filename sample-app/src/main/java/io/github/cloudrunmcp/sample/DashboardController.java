package io.github.cloudrunmcp.sample;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the page's charts and server table show, as JSON ({@code GET /api/dashboard}): the
 * {@link LiveMetrics} samples, and per MCP server its transport, its health (the
 * starter's {@code mcp} health contributor) and the protocol revision it negotiated.
 */
@RestController
class DashboardController {

	private final LiveMetrics metrics;

	private final McpServers servers;

	private final ObjectProvider<McpOperations> operations;

	private final ObjectProvider<CompositeHealthContributor> health;

	DashboardController(LiveMetrics metrics, McpServers servers, ObjectProvider<McpOperations> operations,
			@Qualifier("mcpHealthContributor") ObjectProvider<CompositeHealthContributor> health) {
		this.metrics = metrics;
		this.servers = servers;
		this.operations = operations;
		this.health = health;
	}

	@GetMapping("/api/dashboard")
	Map<String, Object> dashboard() {
		return Map.of("intervalMillis", LiveMetrics.INTERVAL.toMillis(), "samples", this.metrics.samples(), "servers",
				this.servers.all().stream().map(this::describe).toList());
	}

	private Map<String, Object> describe(McpServer server) {
		Map<String, Object> description = new LinkedHashMap<>();
		description.put("server", server.name());
		description.put("transport", server.speaksMcp() ? "streamable-http" : "events");
		description.put("health", health(server.name()));
		// An events server speaks no MCP, so it has no revision.
		description.put("revision", server.speaksMcp() ? revision(server.name()) : "none (events only)");
		return description;
	}

	private String health(String server) {
		CompositeHealthContributor contributors = this.health.getIfAvailable();
		HealthContributor contributor = (contributors != null) ? contributors.getContributor(server) : null;
		// The starter's indicators read state the library keeps: no I/O here.
		return (contributor instanceof HealthIndicator indicator) ? indicator.health().getStatus().getCode()
				: "UNKNOWN";
	}

	private String revision(String server) {
		List<McpOperations> matching = this.operations.orderedStream()
			.filter((each) -> each.server().equals(server))
			.toList();
		// Under revision auto, nothing is known until the server answered.
		return matching.isEmpty() ? "unknown"
				: matching.get(0).revision().map(McpRevision::version).orElse("negotiating");
	}

}
