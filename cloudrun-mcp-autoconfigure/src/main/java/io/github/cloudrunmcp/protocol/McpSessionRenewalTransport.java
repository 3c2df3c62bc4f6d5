package io.github.cloudrunmcp.protocol;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A transport that notices when a session is initialized after the first one, and then
 * publishes an {@link McpSessionRenewedEvent}, on a thread where listeners may block.
 *
 * <p>
 * It also remembers what the application set up on the server through the session and the
 * server accepted: the resources it subscribed to (until it unsubscribes) and the logging
 * level it set. Once a new session is initialized, it sends these requests again, so that
 * resource updates and log messages keep coming after a server restart; the server's
 * answers to them are not passed on to the client, which did not ask.
 *
 * <p>
 * The resources that the application subscribes to by configuration
 * ({@code resource-subscriptions}) or through {@code @McpListener(resources = ...)} are
 * subscribed to the same way once the first session is initialized, when the server
 * offers resource subscriptions ({@code resources.subscribe}); a server that does not
 * gets one warning. Once the server accepted one, or the application subscribed to or
 * unsubscribed from it itself, it is one of the current subscriptions like any other: a
 * new session gets what is current, not what was configured. They are asked for once, off
 * the network threads.
 */
public final class McpSessionRenewalTransport extends ForwardingMcpClientTransport {

	private static final Log logger = LogFactory.getLog(McpSessionRenewalTransport.class);

	private final ResumableStreamableHttpTransport transport;

	private final String server;

	private final Consumer<Object> publisher;

	private final Supplier<List<String>> configured;

	/** The configured URIs, asked for once, when first restoring. */
	private volatile @Nullable List<String> configuredUris;

	/**
	 * URIs whose subscription the server's answers decide, no longer the configuration:
	 * subscribed to and accepted, or unsubscribed from.
	 */
	private final Set<String> settled = ConcurrentHashMap.newKeySet();

	private volatile boolean canSubscribe;

	private volatile boolean warnedCannotSubscribe;

	private final Map<String, Boolean> initializeIds = new ConcurrentHashMap<>();

	private final AtomicLong initialized = new AtomicLong();

	/** Setup requests sent by the application, by ID, until the server answers them. */
	private final Map<String, McpSchema.JSONRPCRequest> pendingSetup = new ConcurrentHashMap<>();

	/** Subscribed resource URIs, in the order they were subscribed. */
	private final Set<String> subscriptions = ConcurrentHashMap.newKeySet();

	private volatile McpSchema.@Nullable JSONRPCRequest loggingLevel;

	/** Requests this transport sent to restore a renewed session, by ID. */
	private final Map<String, Restoring> restoring = new ConcurrentHashMap<>();

	private final AtomicLong restoreIds = new AtomicLong();

	private final AtomicBoolean restorePending = new AtomicBoolean();

	McpSessionRenewalTransport(McpClientTransport delegate, ResumableStreamableHttpTransport transport, String server,
			Consumer<Object> publisher) {
		this(delegate, transport, server, publisher, List::of);
	}

	McpSessionRenewalTransport(McpClientTransport delegate, ResumableStreamableHttpTransport transport, String server,
			Consumer<Object> publisher, Supplier<List<String>> configured) {
		super(delegate);
		this.transport = Objects.requireNonNull(transport, "transport");
		this.server = Objects.requireNonNull(server, "server");
		this.publisher = Objects.requireNonNull(publisher, "publisher");
		this.configured = Objects.requireNonNull(configured, "configured");
	}

	@Override
	public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
		return delegate()
			.connect((incoming) -> handler.apply(incoming.doOnNext(this::received).filter(this::isForTheClient)));
	}

	@Override
	public Mono<Void> sendMessage(JSONRPCMessage message) {
		if (message instanceof McpSchema.JSONRPCRequest request) {
			String method = request.method();
			if (McpSchema.METHOD_INITIALIZE.equals(method)) {
				this.initializeIds.put(String.valueOf(request.id()), Boolean.TRUE);
			}
			else if (McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(method)
					|| McpSchema.METHOD_RESOURCES_UNSUBSCRIBE.equals(method)
					|| McpSchema.METHOD_LOGGING_SET_LEVEL.equals(method)) {
				this.pendingSetup.put(String.valueOf(request.id()), request);
			}
		}
		Mono<Void> sent = delegate().sendMessage(message);
		if (message instanceof McpSchema.JSONRPCNotification notification
				&& McpSchema.METHOD_NOTIFICATION_INITIALIZED.equals(notification.method())
				&& this.restorePending.getAndSet(false)) {
			// The new session is ready for requests once the server heard of it; the
			// configured URIs may be asked of the application's beans, not on a network
			// thread.
			return sent.doOnSuccess((ignored) -> Schedulers.boundedElastic().schedule(this::restore));
		}
		return sent;
	}

	private boolean isForTheClient(JSONRPCMessage message) {
		return !(message instanceof McpSchema.JSONRPCResponse response)
				|| !this.restoring.containsKey(String.valueOf(response.id()));
	}

	private void received(JSONRPCMessage message) {
		if (!(message instanceof McpSchema.JSONRPCResponse response)) {
			return;
		}
		String id = String.valueOf(response.id());
		McpSchema.JSONRPCRequest setup = this.pendingSetup.remove(id);
		if (setup != null && response.error() == null) {
			accepted(setup);
		}
		Restoring restored = this.restoring.remove(id);
		if (restored != null && response.error() != null) {
			logger.warn("MCP server '" + this.server + "' refused " + restored.what() + ": "
					+ PrintableText.of(response.error().message()));
		}
		else if (restored != null && restored.uri() != null && this.settled.add(restored.uri())) {
			// A configured subscription, accepted: from now on a current one (unless
			// the application settled it meanwhile).
			this.subscriptions.add(restored.uri());
		}
		if (this.initializeIds.remove(id) == null || response.error() != null) {
			return;
		}
		long count = this.initialized.incrementAndGet();
		this.canSubscribe = offersSubscriptions(response.result());
		// The configured subscriptions in the first session, what is current in a new
		// one, once the server heard of the session.
		this.restorePending.set(true);
		if (count < 2) {
			return;
		}
		McpSessionRenewedEvent event = new McpSessionRenewedEvent(this.server, this.transport.protocolVersion(),
				count - 1, Instant.now());
		if (logger.isInfoEnabled()) {
			logger.info("MCP server '" + this.server + "' has a new session (renewal " + (count - 1)
					+ "); what was set up through the old one must be set up again.");
		}
		Schedulers.boundedElastic().schedule(() -> {
			try {
				this.publisher.accept(event);
			}
			catch (RuntimeException ex) {
				logger.warn("A listener of " + event + " failed", ex);
			}
		});
	}

	/**
	 * Remember a setup request that the server accepted.
	 */
	private void accepted(McpSchema.JSONRPCRequest setup) {
		if (McpSchema.METHOD_LOGGING_SET_LEVEL.equals(setup.method())) {
			this.loggingLevel = setup;
			return;
		}
		String uri = uri(setup);
		if (uri == null) {
			return;
		}
		if (McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(setup.method())) {
			this.subscriptions.add(uri);
		}
		else {
			this.subscriptions.remove(uri);
		}
		this.settled.add(uri);
	}

	private @Nullable String uri(McpSchema.JSONRPCRequest request) {
		if (request.params() == null) {
			return null;
		}
		try {
			return delegate().unmarshalFrom(request.params(), new TypeRef<McpSchema.SubscribeRequest>() {
			}).uri();
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private boolean offersSubscriptions(@Nullable Object result) {
		if (result == null) {
			return false;
		}
		try {
			McpSchema.ServerCapabilities capabilities = delegate()
				.unmarshalFrom(result, new TypeRef<McpSchema.InitializeResult>() {
				})
				.capabilities();
			return capabilities != null && capabilities.resources() != null
					&& Boolean.TRUE.equals(capabilities.resources().subscribe());
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	private List<String> configuredUris() {
		List<String> uris = this.configuredUris;
		if (uris == null) {
			try {
				uris = List.copyOf(this.configured.get());
			}
			catch (RuntimeException ex) {
				logger.warn("MCP server '" + this.server + "': the resources to subscribe to cannot be listed: "
						+ McpSessionLifecycle.describe(ex));
				uris = List.of();
			}
			this.configuredUris = uris;
		}
		return uris;
	}

	/**
	 * Send, in a new session, what the application had set up in the old one, and the
	 * configured subscriptions that the server's answers have not settled yet.
	 */
	private void restore() {
		McpSchema.JSONRPCRequest level = this.loggingLevel;
		if (level != null) {
			restore(level.method(), level.params(), "the logging level in its new session", null);
		}
		Set<String> uris = new LinkedHashSet<>(this.subscriptions);
		List<String> unsettled = configuredUris().stream().filter((uri) -> !this.settled.contains(uri)).toList();
		if (this.canSubscribe) {
			uris.addAll(unsettled);
		}
		else if (!unsettled.isEmpty() && !this.warnedCannotSubscribe) {
			this.warnedCannotSubscribe = true;
			logger.warn("MCP server '" + this.server + "' does not offer resource subscriptions; updates of "
					+ PrintableText.of(unsettled.toString()) + " will not be received.");
		}
		for (String uri : uris) {
			restore(McpSchema.METHOD_RESOURCES_SUBSCRIBE, McpSchema.SubscribeRequest.builder(uri).build(),
					"the subscription to " + PrintableText.of(uri), uri);
		}
	}

	private void restore(String method, @Nullable Object params, String what, @Nullable String uri) {
		String id = "cloudrun-mcp-restore-" + this.restoreIds.incrementAndGet();
		this.restoring.put(id, new Restoring(what, uri));
		delegate().sendMessage(new McpSchema.JSONRPCRequest(McpSchema.JSONRPC_VERSION, method, id, params))
			.subscribe(null, (ex) -> {
				this.restoring.remove(id);
				logger.warn("MCP server '" + this.server + "': could not send " + what + ": "
						+ McpSessionLifecycle.describe(ex));
			});
		if (logger.isDebugEnabled()) {
			logger.debug("MCP server '" + this.server + "': sending " + what);
		}
	}

	/**
	 * A request sent to restore a session: what it restores, and the resource it
	 * subscribes to, if any.
	 */
	private record Restoring(String what, @Nullable String uri) {
	}

	/**
	 * Return a decorator that wraps each server's transport in one of these.
	 * @param publisher receives the events
	 * @return the decorator
	 */
	public static McpTransportDecorator decorator(Consumer<Object> publisher) {
		return decorator(publisher, (server) -> List.of());
	}

	/**
	 * Return a decorator that wraps each server's transport in one of these, which also
	 * subscribes to the resources the application listens to.
	 * @param publisher receives the events
	 * @param resourceSubscriptions the URIs of each server's resources whose updates the
	 * application subscribes to, by server name; asked once per server, when its first
	 * session is initialized
	 * @return the decorator
	 */
	public static McpTransportDecorator decorator(Consumer<Object> publisher,
			Function<String, List<String>> resourceSubscriptions) {
		Objects.requireNonNull(resourceSubscriptions, "resourceSubscriptions");
		return (server, transport, decorated) -> new McpSessionRenewalTransport(decorated, transport, server.name(),
				publisher, () -> resourceSubscriptions.apply(server.name()));
	}

}
