package io.github.cloudrunmcp.protocol;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import io.github.cloudrunmcp.server.McpRevision;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * {@link McpOperations} of a server whose revision is {@code auto}: every call waits for
 * the negotiation (starting one when none succeeded yet) and goes through the client of
 * the revision it picked.
 */
public final class McpNegotiatedOperations implements McpOperations {

	private final McpNegotiatingSession negotiating;

	private final McpOperations session;

	private final McpOperations stateless;

	/**
	 * Create the operations of a negotiating session.
	 * @param negotiating the session
	 * @param jsonMapper the mapper that carries 2026-07-28 results over
	 */
	public McpNegotiatedOperations(McpNegotiatingSession negotiating, McpJsonMapper jsonMapper) {
		this.negotiating = Objects.requireNonNull(negotiating, "negotiating");
		this.session = new McpSessionOperations(negotiating.session());
		this.stateless = new McpStatelessOperations(negotiating.stateless(), jsonMapper);
	}

	@Override
	public String server() {
		return this.negotiating.server().name();
	}

	@Override
	public Optional<McpRevision> revision() {
		return Optional.ofNullable(this.negotiating.revision());
	}

	@Override
	public Mono<McpRevision> negotiatedRevision() {
		return this.negotiating.negotiate();
	}

	@Override
	public Mono<List<McpSchema.Tool>> listTools() {
		return negotiated(McpOperations::listTools);
	}

	@Override
	public Mono<McpSchema.CallToolResult> callTool(String name, Map<String, Object> arguments) {
		return negotiated((operations) -> operations.callTool(name, arguments));
	}

	@Override
	public Mono<List<McpSchema.Resource>> listResources() {
		return negotiated(McpOperations::listResources);
	}

	@Override
	public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
		return negotiated((operations) -> operations.readResource(uri));
	}

	@Override
	public Mono<List<McpSchema.Prompt>> listPrompts() {
		return negotiated(McpOperations::listPrompts);
	}

	@Override
	public Mono<McpSchema.GetPromptResult> getPrompt(String name, Map<String, String> arguments) {
		return negotiated((operations) -> operations.getPrompt(name, arguments));
	}

	@Override
	public Optional<io.modelcontextprotocol.client.McpAsyncClient> sessionClient() {
		return (this.negotiating.revision() == McpRevision.V2025_11_25) ? this.session.sessionClient()
				: Optional.empty();
	}

	@Override
	public Optional<io.modelcontextprotocol.modern.client.McpAsyncClient> statelessClient() {
		return (this.negotiating.revision() == McpRevision.V2026_07_28) ? this.stateless.statelessClient()
				: Optional.empty();
	}

	private <T> Mono<T> negotiated(Function<McpOperations, Mono<T>> call) {
		return this.negotiating.negotiate()
			.flatMap((revision) -> call.apply((revision == McpRevision.V2026_07_28) ? this.stateless : this.session));
	}

}
