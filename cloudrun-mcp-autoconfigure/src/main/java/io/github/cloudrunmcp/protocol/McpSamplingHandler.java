package io.github.cloudrunmcp.protocol;

import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * Answers an MCP server's {@code sampling/createMessage} requests: a bean of this type
 * makes the clients declare the {@code sampling} capability. Without one, the capability
 * is not declared and such requests are declined with "method not found".
 */
@FunctionalInterface
public interface McpSamplingHandler {

	/**
	 * Produce the message the server asked for, typically by calling a language model.
	 * @param server the name of the server that asked
	 * @param request the request
	 * @return the result
	 */
	Mono<McpSchema.CreateMessageResult> createMessage(String server, McpSchema.CreateMessageRequest request);

}
