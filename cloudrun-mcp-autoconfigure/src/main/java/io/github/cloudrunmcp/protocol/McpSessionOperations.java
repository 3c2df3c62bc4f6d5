package io.github.cloudrunmcp.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.github.cloudrunmcp.server.McpRevision;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * {@link McpOperations} on the 2025-11-25 session of a server.
 */
public final class McpSessionOperations implements McpOperations {

	private final McpSession session;

	/**
	 * Create the operations of a session.
	 * @param session the session
	 */
	public McpSessionOperations(McpSession session) {
		this.session = Objects.requireNonNull(session, "session");
	}

	@Override
	public String server() {
		return this.session.server().name();
	}

	@Override
	public Optional<McpRevision> revision() {
		return Optional.of(McpRevision.V2025_11_25);
	}

	@Override
	public Mono<List<McpSchema.Tool>> listTools() {
		return this.session.async().listTools().map(McpSchema.ListToolsResult::tools);
	}

	@Override
	public Mono<McpSchema.CallToolResult> callTool(String name, Map<String, Object> arguments) {
		return this.session.async().callTool(McpSchema.CallToolRequest.builder(name).arguments(arguments).build());
	}

	@Override
	public Mono<List<McpSchema.Resource>> listResources() {
		return this.session.async().listResources().map(McpSchema.ListResourcesResult::resources);
	}

	@Override
	public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
		return this.session.async().readResource(McpSchema.ReadResourceRequest.builder(uri).build());
	}

	@Override
	public Mono<List<McpSchema.Prompt>> listPrompts() {
		return this.session.async().listPrompts().map(McpSchema.ListPromptsResult::prompts);
	}

	@Override
	public Mono<McpSchema.GetPromptResult> getPrompt(String name, Map<String, String> arguments) {
		return this.session.async()
			.getPrompt(McpSchema.GetPromptRequest.builder(name).arguments(new LinkedHashMap<>(arguments)).build());
	}

	@Override
	public Optional<McpAsyncClient> sessionClient() {
		return Optional.of(this.session.async());
	}

	@Override
	public Optional<io.modelcontextprotocol.modern.client.McpAsyncClient> statelessClient() {
		return Optional.empty();
	}

}
