package io.github.cloudrunmcp.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

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
		return timed(this.session.async().listTools().map(McpSchema.ListToolsResult::tools), "tools/list");
	}

	@Override
	public Mono<McpSchema.CallToolResult> callTool(String name, Map<String, Object> arguments) {
		return timed(this.session.async()
			.callTool(McpSchema.CallToolRequest.builder(name)
				.arguments(arguments)
				// The server's progress reaches the event stream.
				.progressToken(UUID.randomUUID().toString())
				.build()), "tools/call");
	}

	@Override
	public Mono<List<McpSchema.Resource>> listResources() {
		return timed(this.session.async().listResources().map(McpSchema.ListResourcesResult::resources),
				"resources/list");
	}

	@Override
	public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
		return timed(this.session.async().readResource(McpSchema.ReadResourceRequest.builder(uri).build()),
				"resources/read");
	}

	@Override
	public Mono<List<McpSchema.Prompt>> listPrompts() {
		return timed(this.session.async().listPrompts().map(McpSchema.ListPromptsResult::prompts), "prompts/list");
	}

	@Override
	public Mono<McpSchema.GetPromptResult> getPrompt(String name, Map<String, String> arguments) {
		return timed(this.session.async()
			.getPrompt(McpSchema.GetPromptRequest.builder(name).arguments(new LinkedHashMap<>(arguments)).build()),
				"prompts/get");
	}

	/**
	 * Name the property behind the SDK's request timeout, whose own message only says
	 * that no item came within so many milliseconds.
	 */
	private <T> Mono<T> timed(Mono<T> call, String method) {
		return call.onErrorMap(TimeoutException.class,
				(ex) -> new McpProtocolException("MCP server '" + server() + "' did not answer " + method
						+ " within cloudrun.mcp.client.request-timeout: raise it for calls that take longer, or check "
						+ "that the server is up and answering.", 0, ex));
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
