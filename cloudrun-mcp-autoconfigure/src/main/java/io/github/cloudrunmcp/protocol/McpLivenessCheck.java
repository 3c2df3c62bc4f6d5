package io.github.cloudrunmcp.protocol;

import java.util.Objects;

import io.modelcontextprotocol.client.McpAsyncClient;
import reactor.core.publisher.Mono;

/**
 * One question to an MCP server: do you answer? The {@link McpLivenessProbe} asks it at
 * every interval. A 2025-11-25 session asks with {@code ping}; a client of another
 * revision supplies its own check (the 2026-07-28 revision asks with
 * {@code server/discover}).
 */
@FunctionalInterface
public interface McpLivenessCheck {

	/**
	 * Ask the server once.
	 * @return completes when the server answered, fails when it did not
	 */
	Mono<Void> check();

	/**
	 * A check that sends {@code ping} through a client's session, with its token; a
	 * client that is not initialized yet is initialized first, which asks the server just
	 * as well.
	 * @param client the client
	 * @return the check
	 */
	static McpLivenessCheck ping(McpAsyncClient client) {
		Objects.requireNonNull(client, "client");
		return () -> client.ping().then();
	}

}
