package io.github.cloudrunmcp.sample;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.github.cloudrunmcp.protocol.McpSession;
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

	private final ObjectProvider<McpSession> sessions;

	McpToolsController(ObjectProvider<McpSession> sessions) {
		this.sessions = sessions;
	}

	@GetMapping("/api/mcp")
	List<Map<String, Object>> servers() {
		return this.sessions.orderedStream()
			.map((session) -> Map.<String, Object>of("server", session.server().name(), "url",
					session.server().mcpUrl().toString(), "initialized", session.async().isInitialized()))
			.toList();
	}

	@GetMapping("/api/mcp/{server}/tools")
	Mono<List<String>> tools(@PathVariable String server) {
		return session(server).async()
			.listTools()
			.map((result) -> result.tools().stream().map(McpSchema.Tool::name).toList());
	}

	/**
	 * Call a tool with a progress token of its own: without one a server sends no
	 * {@code notifications/progress}, and {@code AgentListeners.onProgress} would never
	 * hear of a long call.
	 */
	@PostMapping("/api/mcp/{server}/tools/{tool}")
	Mono<McpSchema.CallToolResult> call(@PathVariable String server, @PathVariable String tool,
			@RequestBody Map<String, Object> arguments) {
		return session(server).async()
			.callTool(McpSchema.CallToolRequest.builder(tool)
				.arguments(arguments)
				.progressToken(UUID.randomUUID().toString())
				.build());
	}

	private McpSession session(String server) {
		return this.sessions.orderedStream()
			.filter((session) -> session.server().name().equals(server))
			.findFirst()
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
					"No MCP server named '" + server + "' with transport streamable-http"));
	}

}
