package io.github.cloudrunmcp.protocol;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.github.cloudrunmcp.server.McpRevision;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * What an application does with one MCP server, whichever revision it speaks: list and
 * call tools, list and read resources, list and get prompts. One bean per streamable-http
 * server ({@code mcpOperations} for the default server, primary, and
 * {@code mcpOperations-<name>}, each qualified by the server's name).
 *
 * <p>
 * The results are the MCP Java SDK's 2025-11-25 types
 * ({@code io.modelcontextprotocol.spec.McpSchema}) in both revisions: a 2026-07-28
 * server's answers are carried over field by field, tool input schemas verbatim. With
 * 2026-07-28, input requests ({@code input_required}) are answered by the application's
 * elicitation handlers before a call completes; with 2025-11-25 the session answers the
 * server's requests. Lists hold every page.
 *
 * <p>
 * For anything else, {@link #sessionClient()} and {@link #statelessClient()} give the
 * SDK's own client of the revision in use. The methods return cold {@link Mono}s that
 * never block; block on them from ordinary threads only, never from a Netty or Reactor
 * thread.
 */
public interface McpOperations {

	/**
	 * Return the name of the server.
	 * @return the server's name
	 */
	String server();

	/**
	 * Return the revision spoken with the server: the configured one, or under
	 * {@code auto} the negotiated one once known.
	 * @return the revision, or empty while it is being negotiated
	 */
	Optional<McpRevision> revision();

	/**
	 * Return the revision spoken with the server, once known: under {@code auto},
	 * negotiated first when it is not known yet (concurrent callers share one
	 * negotiation), so that {@link #sessionClient()} or {@link #statelessClient()} is
	 * present when it completes.
	 * @return the revision; fails when the server did not answer the negotiation
	 */
	default Mono<McpRevision> negotiatedRevision() {
		return Mono.justOrEmpty(revision());
	}

	/**
	 * List the server's tools, every page.
	 * @return the tools
	 */
	Mono<List<McpSchema.Tool>> listTools();

	/**
	 * Call a tool, asking for its progress (with a {@code progressToken}): the
	 * {@code notifications/progress} the server sends while answering reach the server's
	 * event stream and its listeners.
	 * @param name the tool's name
	 * @param arguments its arguments
	 * @return the result, which may be an error result ({@code isError})
	 */
	Mono<McpSchema.CallToolResult> callTool(String name, Map<String, Object> arguments);

	/**
	 * List the server's resources, every page.
	 * @return the resources
	 */
	Mono<List<McpSchema.Resource>> listResources();

	/**
	 * Read a resource.
	 * @param uri the resource's URI
	 * @return its contents
	 */
	Mono<McpSchema.ReadResourceResult> readResource(String uri);

	/**
	 * List the server's prompts, every page.
	 * @return the prompts
	 */
	Mono<List<McpSchema.Prompt>> listPrompts();

	/**
	 * Get a prompt.
	 * @param name the prompt's name
	 * @param arguments its arguments
	 * @return the prompt's messages
	 */
	Mono<McpSchema.GetPromptResult> getPrompt(String name, Map<String, String> arguments);

	/**
	 * Return the SDK's 2025-11-25 client, when that revision is spoken with the server.
	 * @return the client, or empty with 2026-07-28 (or while negotiating)
	 */
	Optional<io.modelcontextprotocol.client.McpAsyncClient> sessionClient();

	/**
	 * Return the SDK's 2026-07-28 client, when that revision is spoken with the server.
	 * @return the client, or empty with 2025-11-25 (or while negotiating)
	 */
	Optional<io.modelcontextprotocol.modern.client.McpAsyncClient> statelessClient();

}
