package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.modern.client.McpAsyncClient;
import io.modelcontextprotocol.modern.client.SubscriptionEvent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code subscriptions/listen} stream of a 2026-07-28 server as an
 * {@link McpEventSource}: one long-lived request whose notifications become events with
 * the same types as in 2025-11-25 ({@code notifications/tools/list_changed},
 * {@code notifications/resources/updated}, ...), so that listeners do not change when a
 * server upgrades.
 *
 * <p>
 * The stream is reopened with the reconnect backoff after every end: a cut connection, a
 * clean end ({@code SubscriptionsListenResult}), Cloud Run's request timeout, or a server
 * that does not acknowledge the subscription in time (a black hole, a request whose
 * response headers never come). The revision has no resumption, so after every reopen
 * (once the server acknowledged the subscription again) a {@value #RESYNC_TYPE} event
 * says that notifications may have been missed and what the application keeps should be
 * refreshed.
 */
public final class McpListenStream implements McpEventSource {

	/** Type of the event published after every reopen of the listen stream. */
	public static final String RESYNC_TYPE = "cloudrun/mcp/resync";

	private static final Log logger = LogFactory.getLog(McpListenStream.class);

	private final String server;

	private final McpAsyncClient client;

	private final List<String> resourceUris;

	private final StreamSettings.Reconnect reconnect;

	private final Duration acknowledgeTimeout;

	private final ObjectMapper mapper;

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	private final Flux<McpEvent> events;

	private final AtomicLong resyncs = new AtomicLong();

	/**
	 * Create a listen stream that waits up to 30 seconds (the default of
	 * {@code cloudrun.mcp.stream.response-timeout}) for the server to acknowledge the
	 * subscription; it opens when {@link #events()} is first subscribed to.
	 * @param server the server's name
	 * @param client the server's 2026-07-28 client
	 * @param resourceUris the resources whose updates are asked for
	 * @param reconnect the backoff between reopens
	 * @param mapper the mapper for the events' JSON access
	 */
	public McpListenStream(String server, McpAsyncClient client, List<String> resourceUris,
			StreamSettings.Reconnect reconnect, ObjectMapper mapper) {
		this(server, client, resourceUris, reconnect, Duration.ofSeconds(30), mapper);
	}

	/**
	 * Create a listen stream; it opens when {@link #events()} is first subscribed to.
	 * @param server the server's name
	 * @param client the server's 2026-07-28 client
	 * @param resourceUris the resources whose updates are asked for
	 * @param reconnect the backoff between reopens
	 * @param acknowledgeTimeout how long the server may take to acknowledge the
	 * subscription before the stream is reopened
	 * @param mapper the mapper for the events' JSON access
	 */
	public McpListenStream(String server, McpAsyncClient client, List<String> resourceUris,
			StreamSettings.Reconnect reconnect, Duration acknowledgeTimeout, ObjectMapper mapper) {
		this.server = Objects.requireNonNull(server, "server");
		this.client = Objects.requireNonNull(client, "client");
		this.resourceUris = List.copyOf(resourceUris);
		this.reconnect = Objects.requireNonNull(reconnect, "reconnect");
		this.acknowledgeTimeout = Objects.requireNonNull(acknowledgeTimeout, "acknowledgeTimeout");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.statuses.tryEmitNext(new McpStreamStatus(McpStreamStatus.State.NEW, 0, null, null, Instant.now()));
		this.events = Flux.defer(this::reopening).share();
	}

	@Override
	public Flux<McpEvent> events() {
		return this.events;
	}

	@Override
	public Flux<McpStreamStatus> statusChanges() {
		return this.statuses.asFlux();
	}

	private Flux<McpEvent> reopening() {
		AtomicBoolean opened = new AtomicBoolean();
		AtomicInteger failures = new AtomicInteger();
		return Flux.defer(() -> {
			status(opened.get() ? McpStreamStatus.State.RECONNECTING : McpStreamStatus.State.CONNECTING, failures.get(),
					null, null);
			return listen().concatMap((event) -> {
				if (event instanceof SubscriptionEvent.Subscribed) {
					failures.set(0);
					status(McpStreamStatus.State.OPEN, 0, null, null);
					if (!opened.get() && logger.isInfoEnabled()) {
						logger.info("MCP server '" + this.server + "' listening: protocol 2026-07-28");
					}
					// Nothing was missed before the first subscription; after a reopen
					// anything may have been.
					return opened.getAndSet(true) ? Mono.just(resync()) : Mono.empty();
				}
				McpEvent mapped = map(event);
				return (mapped != null) ? Mono.just(mapped) : Mono.empty();
			}).onErrorResume((ex) -> {
				int attempt = failures.incrementAndGet();
				Duration delay = this.reconnect.delay(attempt, null, null);
				logger.warn("Listen stream of MCP server '" + this.server + "' failed (attempt " + attempt + "): "
						+ McpSessionLifecycle.describe(ex) + "; reopening in " + delay.toMillis() + " ms.");
				status(McpStreamStatus.State.RECONNECTING, attempt, delay, ex);
				return Mono.delay(delay).then(Mono.empty());
			});
		}).repeat().doFinally((signal) -> status(McpStreamStatus.State.CLOSED, 0, null, null));
	}

	private Flux<SubscriptionEvent> listen() {
		McpAsyncClient.ListenSpec spec = this.client.listen().toolsChanged().promptsChanged().resourcesChanged();
		if (!this.resourceUris.isEmpty()) {
			spec = spec.resourceUpdates(this.resourceUris.toArray(String[]::new));
		}
		// The acknowledgement comes first and at once; what follows may be far apart.
		return spec.events()
			.timeout(Mono.delay(this.acknowledgeTimeout), (event) -> Mono.never())
			.onErrorMap(TimeoutException.class,
					(ex) -> new McpProtocolException(
							"MCP server '" + this.server + "' did not acknowledge subscriptions/listen within "
									+ this.acknowledgeTimeout.toMillis() + " ms (cloudrun.mcp.stream.response-timeout)",
							0, ex));
	}

	private @Nullable McpEvent map(SubscriptionEvent event) {
		String method;
		@Nullable String uri = null;
		if (event instanceof SubscriptionEvent.ToolsListChanged) {
			method = "notifications/tools/list_changed";
		}
		else if (event instanceof SubscriptionEvent.PromptsListChanged) {
			method = "notifications/prompts/list_changed";
		}
		else if (event instanceof SubscriptionEvent.ResourcesListChanged) {
			method = "notifications/resources/list_changed";
		}
		else if (event instanceof SubscriptionEvent.ResourceUpdated updated) {
			method = "notifications/resources/updated";
			uri = updated.uri();
		}
		else {
			return null;
		}
		ObjectNode message = this.mapper.createObjectNode();
		message.put("jsonrpc", "2.0");
		message.put("method", method);
		if (uri != null) {
			message.putObject("params").put("uri", uri);
		}
		return McpEvent.ofJsonRpc(this.server, null, this.mapper.writeValueAsString(message), this.mapper);
	}

	/**
	 * Return the server's name.
	 * @return the name
	 */
	public String server() {
		return this.server;
	}

	/**
	 * Return how many times the stream reopened after it was first open, each followed by
	 * a {@value #RESYNC_TYPE} event.
	 * @return the count
	 */
	public long resyncs() {
		return this.resyncs.get();
	}

	private McpEvent resync() {
		this.resyncs.incrementAndGet();
		return new McpEvent(this.server, null, RESYNC_TYPE, "{}", this.mapper);
	}

	private void status(McpStreamStatus.State state, int attempt, @Nullable Duration delay, @Nullable Throwable cause) {
		this.statuses.tryEmitNext(new McpStreamStatus(state, attempt, delay, cause, Instant.now()));
	}

}
