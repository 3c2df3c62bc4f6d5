package io.github.cloudrunmcp.protocol;

import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * Answers an MCP server's URL-mode elicitations: the server asks the user to open a URL
 * (to sign in, to pay, to consent) and the application says whether the user went there.
 * With 2026-07-28 servers these come as input requests ({@code input_required}) of a
 * call, which the call retries with the answer.
 */
@FunctionalInterface
public interface McpUrlElicitationHandler {

	/**
	 * Show the user the URL the server wants opened, or decline.
	 * @param server the name of the server that asked
	 * @param request the request: a message and the URL
	 * @return the user's answer: accept (the user opened it), decline, or cancel
	 */
	Mono<McpSchema.ElicitResult> elicit(String server, McpSchema.ElicitUrlRequest request);

}
