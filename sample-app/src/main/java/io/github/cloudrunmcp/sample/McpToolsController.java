package io.github.cloudrunmcp.sample;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.github.cloudrunmcp.protocol.McpOperations;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The MCP servers' tools over HTTP, for servers whose transport is streamable-http:
 * {@code GET /api/mcp} lists those servers, {@code GET /api/mcp/{server}/tools} their
 * tools, and {@code POST /api/mcp/{server}/tools/{tool}} with a JSON object of arguments
 * calls one.
 * <p>
 * Local profile only: the calls run with the service's credentials, so on Cloud Run this
 * endpoint would let anyone allowed to invoke the sample call any tool as its service
 * account.
 */
@RestController
@Profile("local")
class McpToolsController {

	private final ObjectProvider<McpOperations> servers;

	McpToolsController(ObjectProvider<McpOperations> servers) {
		this.servers = servers;
	}

	@GetMapping("/api/mcp")
	List<Map<String, Object>> servers() {
		// The revision is empty while an auto server (the default) is being negotiated.
		return this.servers.orderedStream()
			.map((operations) -> Map.<String, Object>of("server", operations.server(), "revision",
					operations.revision().map(Object::toString).orElse("negotiating")))
			.toList();
	}

	@GetMapping("/api/mcp/{server}/tools")
	Mono<List<String>> tools(@PathVariable String server) {
		return operations(server).listTools().map((tools) -> tools.stream().map(McpSchema.Tool::name).toList());
	}

	/**
	 * Call a tool with a progress token of its own: without one a server sends no
	 * {@code notifications/progress}, and {@code AgentListeners.onProgress} would never
	 * hear of a long call.
	 */
	@PostMapping("/api/mcp/{server}/tools/{tool}")
	Mono<McpSchema.CallToolResult> call(@PathVariable String server, @PathVariable String tool,
			@RequestBody Map<String, Object> arguments) {
		McpOperations operations = operations(server);
		// The progress token needs the SDK's 2025-11-25 client, there once that revision
		// is negotiated; a 2026-07-28 server's calls go through McpOperations.
		return operations.negotiatedRevision()
			.flatMap((revision) -> operations.sessionClient()
				.map((client) -> client.callTool(McpSchema.CallToolRequest.builder(tool)
					.arguments(arguments)
					.progressToken(UUID.randomUUID().toString())
					.build()))
				.orElseGet(() -> operations.callTool(tool, arguments)));
	}

	private McpOperations operations(String server) {
		return this.servers.orderedStream()
			.filter((operations) -> operations.server().equals(server))
			.findFirst()
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
					"No MCP server named '" + server + "' with transport streamable-http"));
	}

}
