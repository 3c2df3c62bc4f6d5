package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.modern.McpException;
import io.modelcontextprotocol.modern.client.McpInvalidResultException;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The MCP client of a server whose revision is {@code auto}: both revisions' clients,
 * built but silent, and the negotiation that picks one.
 *
 * <p>
 * The negotiation sends {@code server/discover} as 2026-07-28. A server that answers it
 * with that revision among its supported versions speaks 2026-07-28. A server that
 * answers with anything else that is an answer (a JSON-RPC error such as "unsupported
 * protocol version" or "no session", a 4xx status, a body that is not JSON-RPC) gets the
 * 2025-11-25 handshake ({@code initialize}), which offers 2025-11-25 and accepts any
 * version the SDK speaks. A server that does not answer (refused connection, timeout,
 * 5xx, 401, 403, 429) decides nothing: the negotiation fails and the next one starts
 * again from {@code server/discover}. Once a negotiation succeeded, its revision stays
 * for the life of the application.
 */
public final class McpNegotiatingSession {

	private static final Log logger = LogFactory.getLog(McpNegotiatingSession.class);

	private final McpServer server;

	private final McpSession session;

	private final McpStatelessSession stateless;

	private final Duration timeout;

	private final AtomicReference<@Nullable McpRevision> revision = new AtomicReference<>();

	private final Mono<McpRevision> negotiation;

	/**
	 * Create the client of a server.
	 * @param session its 2025-11-25 client, not initialized
	 * @param stateless its 2026-07-28 client
	 * @param timeout how long {@code server/discover} and {@code initialize} may each
	 * take
	 */
	public McpNegotiatingSession(McpSession session, McpStatelessSession stateless, Duration timeout) {
		this.session = Objects.requireNonNull(session, "session");
		this.stateless = Objects.requireNonNull(stateless, "stateless");
		this.server = session.server();
		this.timeout = Objects.requireNonNull(timeout, "timeout");
		// Success is kept for good; a failure is not, so the next subscriber tries again.
		this.negotiation = Mono.defer(this::discover)
			.doOnNext(this.revision::set)
			.cache((value) -> Duration.ofMillis(Long.MAX_VALUE), (ex) -> Duration.ZERO, () -> Duration.ZERO);
	}

	/**
	 * Return the server.
	 * @return the server
	 */
	public McpServer server() {
		return this.server;
	}

	/**
	 * Return the 2025-11-25 client, used when the negotiation picks that revision.
	 * @return the session
	 */
	public McpSession session() {
		return this.session;
	}

	/**
	 * Return the 2026-07-28 client, used when the negotiation picks that revision.
	 * @return the stateless session
	 */
	public McpStatelessSession stateless() {
		return this.stateless;
	}

	/**
	 * Return the negotiated revision.
	 * @return the revision, or {@code null} until a negotiation succeeded
	 */
	public @Nullable McpRevision revision() {
		return this.revision.get();
	}

	/**
	 * Negotiate the revision, or return the one negotiated before. Concurrent callers
	 * share one negotiation.
	 * @return the revision; fails when the server did not answer
	 */
	public Mono<McpRevision> negotiate() {
		return this.negotiation;
	}

	private Mono<McpRevision> discover() {
		return this.stateless.async().discover().timeout(this.timeout).flatMap((result) -> {
			if (result.supportedVersions() != null
					&& result.supportedVersions().contains(McpRevision.V2026_07_28.version())) {
				log(McpRevision.V2026_07_28, "server/discover");
				return Mono.just(McpRevision.V2026_07_28);
			}
			return handshake(
					"server/discover offered only " + PrintableText.of(String.valueOf(result.supportedVersions())));
		})
			.onErrorResume(McpNegotiatingSession::answered, (ex) -> handshake(
					"server/discover answered " + PrintableText.of(McpSessionLifecycle.describe(ex), 200)));
	}

	private Mono<McpRevision> handshake(String why) {
		return this.session.async()
			.initialize()
			// Off Reactor's non-blocking threads: creating a session draws random
			// numbers.
			.subscribeOn(Schedulers.boundedElastic())
			.timeout(this.timeout)
			.onErrorMap((ex) -> new McpRevisionNegotiationException(this.server.name(),
					why + "; then initialize failed: " + McpSessionLifecycle.describe(ex), ex))
			.map((result) -> {
				log(McpRevision.V2025_11_25,
						why + "; initialize: " + PrintableText.of(result.serverInfo().name()) + " "
								+ PrintableText.of(result.serverInfo().version()) + ", protocol "
								+ PrintableText.of(result.protocolVersion()));
				return McpRevision.V2025_11_25;
			});
	}

	private void log(McpRevision chosen, String how) {
		if (logger.isInfoEnabled()) {
			logger.info("MCP server '" + this.server.name() + "' speaks " + chosen + " (revision auto, negotiated by "
					+ how + ")");
		}
	}

	/**
	 * Whether a failure of {@code server/discover} is an answer from a server that does
	 * not speak 2026-07-28, rather than no answer at all.
	 */
	static boolean answered(Throwable ex) {
		if (ex instanceof McpException || ex instanceof McpInvalidResultException
				|| ex instanceof McpProtocolException) {
			return true;
		}
		if (ex instanceof McpHttpStatusException status) {
			int code = status.statusCode();
			return code >= 400 && code < 500 && code != 401 && code != 403 && code != 408 && code != 429;
		}
		return false;
	}

}
