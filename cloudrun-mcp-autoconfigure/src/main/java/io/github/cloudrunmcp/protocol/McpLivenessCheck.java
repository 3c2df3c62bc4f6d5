package io.github.cloudrunmcp.protocol;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.server.McpRevision;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.client.transport.McpClientTransport;
import io.modelcontextprotocol.modern.client.transport.McpTransportRequest;
import reactor.core.publisher.Mono;

/**
 * One question to an MCP server: do you answer? The {@link McpLivenessProbe} asks it at
 * every interval. A 2025-11-25 session asks with {@code ping}; a client of another
 * revision supplies its own check (the 2026-07-28 revision asks with
 * {@code server/discover}; an {@code auto} server asks in the revision it negotiated).
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

	/**
	 * A check that sends {@code server/discover} through a 2026-07-28 transport, with its
	 * token, past the client's cache of the last answer. Any JSON-RPC response, an error
	 * too, means that the server answers.
	 * @param transport the transport
	 * @return the check
	 */
	static McpLivenessCheck discover(McpClientTransport transport) {
		Objects.requireNonNull(transport, "transport");
		AtomicLong ids = new AtomicLong();
		return () -> Mono.defer(() -> {
			JsonRpc.JSONRPCRequest request = new JsonRpc.JSONRPCRequest("server/discover",
					"liveness-" + ids.incrementAndGet(), Map.of());
			return transport.exchange(McpTransportRequest.builder(request, McpRevision.V2026_07_28.version()).build())
				.filter(JsonRpc.JSONRPCResponse.class::isInstance)
				.next()
				.switchIfEmpty(Mono
					.error(() -> new McpProtocolException("The answer to server/discover ended without a response", 0,
							null)))
				.then();
		});
	}

	/**
	 * A check of a server whose revision is {@code auto}: in the negotiated revision,
	 * {@link #ping ping} for 2025-11-25 and {@link #discover server/discover} for
	 * 2026-07-28. Until a negotiation succeeded, the check negotiates first (sharing any
	 * negotiation in flight), which asks the server just as well: a server that does not
	 * answer it does not answer the check.
	 * @param session the server's negotiating client
	 * @return the check
	 */
	static McpLivenessCheck negotiated(McpNegotiatingSession session) {
		Objects.requireNonNull(session, "session");
		McpLivenessCheck ping = ping(session.session().async());
		McpLivenessCheck discover = discover(session.stateless().transport());
		return () -> session.negotiate()
			.flatMap((revision) -> (revision == McpRevision.V2026_07_28) ? discover.check() : ping.check());
	}

}
