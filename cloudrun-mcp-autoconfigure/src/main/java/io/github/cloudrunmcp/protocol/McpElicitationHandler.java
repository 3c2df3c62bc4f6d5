package io.github.cloudrunmcp.protocol;

import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * Answers an MCP server's {@code elicitation/create} requests (form mode): a bean of this
 * type makes the clients declare the {@code elicitation} capability. Without one, the
 * capability is not declared and such requests are declined with "method not found".
 */
@FunctionalInterface
public interface McpElicitationHandler {

	/**
	 * Ask the user for the information the server wants, or decline.
	 * @param server the name of the server that asked
	 * @param request the request
	 * @return the user's answer: accept with content, decline, or cancel
	 */
	Mono<McpSchema.ElicitResult> elicit(String server, McpSchema.ElicitFormRequest request);

}
