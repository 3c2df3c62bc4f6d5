package io.github.cloudrunmcp.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.ObjectMapper;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds the MCP client of a server: a {@link ResumableStreamableHttpTransport} on the
 * authenticated {@link WebClient} and an {@link McpAsyncClient} on it whose capabilities
 * follow the handlers present.
 */
public final class McpClientFactory {

	private static final TypeRef<List<McpSchema.Tool>> TOOLS = new TypeRef<>() {
	};

	private final WebClient client;

	private final McpJsonMapper jsonMapper;

	private final ObjectMapper eventMapper;

	private final StreamSettings streamSettings;

	private final McpClientSettings settings;

	private final @Nullable McpSamplingHandler sampling;

	private final @Nullable McpElicitationHandler elicitation;

	private final @Nullable McpRootsProvider roots;

	private @Nullable McpUrlElicitationHandler urlElicitation;

	private Function<String, List<String>> resourceSubscriptions = (server) -> List.of();

	private @Nullable McpToolLists toolLists;

	private final List<McpClientCustomizer> customizers;

	private final List<McpTransportDecorator> decorators;

	/**
	 * Create a factory.
	 * @param client the client the transports send with
	 * @param jsonMapper the mapper for JSON-RPC messages
	 * @param eventMapper the mapper for the events' JSON access
	 * @param streamSettings reconnect, read timeout and event size of the SSE streams
	 * @param settings the client settings
	 * @param sampling answers sampling requests, or {@code null}
	 * @param elicitation answers elicitation requests, or {@code null}
	 * @param roots gives the roots, or {@code null}
	 * @param customizers customize each client before it is built
	 */
	public McpClientFactory(WebClient client, McpJsonMapper jsonMapper, ObjectMapper eventMapper,
			StreamSettings streamSettings, McpClientSettings settings, @Nullable McpSamplingHandler sampling,
			@Nullable McpElicitationHandler elicitation, @Nullable McpRootsProvider roots,
			List<McpClientCustomizer> customizers) {
		this(client, jsonMapper, eventMapper, streamSettings, settings, sampling, elicitation, roots, customizers,
				List.of());
	}

	/**
	 * Create a factory whose clients send through decorated transports.
	 * @param client the client the transports send with
	 * @param jsonMapper the mapper for JSON-RPC messages
	 * @param eventMapper the mapper for the events' JSON access
	 * @param streamSettings reconnect, read timeout and event size of the SSE streams
	 * @param settings the client settings
	 * @param sampling answers sampling requests, or {@code null}
	 * @param elicitation answers elicitation requests, or {@code null}
	 * @param roots gives the roots, or {@code null}
	 * @param customizers customize each client before it is built
	 * @param decorators wrap each transport, in order
	 */
	public McpClientFactory(WebClient client, McpJsonMapper jsonMapper, ObjectMapper eventMapper,
			StreamSettings streamSettings, McpClientSettings settings, @Nullable McpSamplingHandler sampling,
			@Nullable McpElicitationHandler elicitation, @Nullable McpRootsProvider roots,
			List<McpClientCustomizer> customizers, List<McpTransportDecorator> decorators) {
		this.decorators = List.copyOf(decorators);
		this.client = Objects.requireNonNull(client, "client");
		this.jsonMapper = Objects.requireNonNull(jsonMapper, "jsonMapper");
		this.eventMapper = Objects.requireNonNull(eventMapper, "eventMapper");
		this.streamSettings = Objects.requireNonNull(streamSettings, "streamSettings");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.sampling = sampling;
		this.elicitation = elicitation;
		this.roots = roots;
		this.customizers = List.copyOf(customizers);
	}

	/**
	 * Answer the URL-mode elicitations of 2026-07-28 servers with a handler.
	 * @param handler the handler, or {@code null} for none
	 * @return this factory
	 */
	public McpClientFactory urlElicitation(@Nullable McpUrlElicitationHandler handler) {
		this.urlElicitation = handler;
		return this;
	}

	/**
	 * Subscribe the listen streams of 2026-07-28 servers to resources.
	 * @param resourceSubscriptions the URIs of each server's resources whose updates the
	 * application listens to, asked when its listen stream starts
	 * @return this factory
	 */
	public McpClientFactory resourceSubscriptions(Function<String, List<String>> resourceSubscriptions) {
		this.resourceSubscriptions = Objects.requireNonNull(resourceSubscriptions, "resourceSubscriptions");
		return this;
	}

	/**
	 * Keep the tool lists that 2026-07-28 servers' listen streams refresh (after a
	 * {@code notifications/tools/list_changed} or a resync) in the given lists, so that a
	 * change costs one {@code tools/list}.
	 * @param toolLists the tool lists, or {@code null} for none
	 * @return this factory
	 */
	public McpClientFactory toolLists(@Nullable McpToolLists toolLists) {
		this.toolLists = toolLists;
		return this;
	}

	/**
	 * Return the client settings.
	 * @return the settings
	 */
	public McpClientSettings settings() {
		return this.settings;
	}

	/**
	 * Build the client of a server; it initializes on {@link McpAsyncClient#initialize()}
	 * or on first use.
	 * @param server the server, whose transport is streamable HTTP
	 * @return the client
	 */
	public McpSession create(McpServer server) {
		String name = server.name();
		ResumableStreamableHttpTransport transport = new ResumableStreamableHttpTransport(name, server.mcpUrl(),
				this.client, this.jsonMapper, this.eventMapper, this.streamSettings);
		McpClientTransport decorated = transport;
		for (McpTransportDecorator decorator : this.decorators) {
			decorated = decorator.decorate(server, transport, decorated);
		}
		McpClient.AsyncSpec spec = McpClient.async(decorated)
			.clientInfo(McpSchema.Implementation.builder(this.settings.name(), this.settings.version()).build())
			.requestTimeout(this.settings.requestTimeout())
			.initializationTimeout(this.settings.initializeTimeout());
		// SEP-1034: an accepted form gets the defaults of the fields the handler left
		// out.
		spec.applyElicitationDefaults(true);
		McpSamplingHandler samplingHandler = this.sampling;
		if (samplingHandler != null) {
			spec.sampling((request) -> samplingHandler.createMessage(name, request));
		}
		McpElicitationHandler elicitationHandler = this.elicitation;
		if (elicitationHandler != null) {
			spec.elicitation((request) -> elicitationHandler.elicit(name, request));
		}
		McpRootsProvider rootsProvider = this.roots;
		if (rootsProvider != null) {
			spec.roots(rootsProvider.roots(name));
		}
		// The builder's sampling() and roots() are deprecated in SDK 2.2, but 2025-11-25
		// servers use both: the record is built directly.
		spec.capabilities(new McpSchema.ClientCapabilities(null,
				(rootsProvider != null) ? new McpSchema.ClientCapabilities.RootCapabilities(true) : null,
				(samplingHandler != null) ? new McpSchema.ClientCapabilities.Sampling() : null,
				(elicitationHandler != null) ? McpSchema.ClientCapabilities.Elicitation.builder().build() : null,
				null));
		for (McpClientCustomizer customizer : this.customizers) {
			customizer.customize(name, spec);
		}
		McpAsyncClient async = spec.build();
		return new McpSession(server, transport, async);
	}

	/**
	 * Build the 2026-07-28 (stateless) client of a server: nothing is sent until it is
	 * used, and its listen stream opens when its event stream starts.
	 * @param server the server, whose transport is streamable HTTP
	 * @return the client
	 */
	public McpStatelessSession createStateless(McpServer server) {
		String name = server.name();
		McpAnswerNotifications answers = new McpAnswerNotifications(name, this.streamSettings.buffer(),
				this.eventMapper);
		StatelessStreamableHttpTransport transport = new StatelessStreamableHttpTransport(name, server.mcpUrl(),
				this.client, this.jsonMapper, answers);
		io.modelcontextprotocol.modern.client.transport.McpClientTransport decorated = transport;
		for (McpTransportDecorator decorator : this.decorators) {
			decorated = decorator.decorateStateless(server, transport, decorated);
		}
		io.modelcontextprotocol.modern.McpSchema.Implementation info = new io.modelcontextprotocol.modern.McpSchema.Implementation(
				this.settings.name(), null, this.settings.version(), null, null, null);
		io.modelcontextprotocol.modern.client.McpClient.AsyncBuilder asyncBuilder = io.modelcontextprotocol.modern.client.McpClient
			.async(decorated)
			.clientInfo(info)
			.jsonMapper(this.jsonMapper)
			.roundTimeout(this.settings.requestTimeout())
			.maxInputRounds(this.settings.maxInputRounds());
		// The sync client's own tool list needs refreshing only once it was used.
		AtomicBoolean syncUsed = new AtomicBoolean();
		io.modelcontextprotocol.modern.client.transport.McpClientTransport syncTransport = new ForwardingStatelessMcpClientTransport(
				decorated) {

			@Override
			public Flux<io.modelcontextprotocol.modern.JsonRpc.JSONRPCMessage> exchange(
					io.modelcontextprotocol.modern.client.transport.McpTransportRequest request) {
				syncUsed.set(true);
				return super.exchange(request);
			}

		};
		io.modelcontextprotocol.modern.client.McpClient.SyncBuilder syncBuilder = io.modelcontextprotocol.modern.client.McpClient
			.sync(syncTransport)
			.clientInfo(info)
			.jsonMapper(this.jsonMapper)
			.roundTimeout(this.settings.requestTimeout())
			.maxInputRounds(this.settings.maxInputRounds());
		McpElicitationHandler elicitationHandler = this.elicitation;
		if (elicitationHandler != null) {
			// The revision asks through input_required results; the same handler answers,
			// on the 2025-11-25 types it is written against.
			asyncBuilder.formElicitation((request) -> elicit(elicitationHandler, name, request));
			syncBuilder.formElicitation((request) -> elicit(elicitationHandler, name, request).block());
		}
		McpUrlElicitationHandler urlHandler = this.urlElicitation;
		if (urlHandler != null) {
			asyncBuilder.urlElicitation((request) -> elicitUrl(urlHandler, name, request));
			syncBuilder.urlElicitation((request) -> elicitUrl(urlHandler, name, request).block());
		}
		io.modelcontextprotocol.modern.client.McpAsyncClient async = asyncBuilder.build();
		io.modelcontextprotocol.modern.client.McpSyncClient sync = syncBuilder.build();
		McpListenStream listen = McpListenStream
			.builder(name, server.mcpUrl(), this.client, this.streamSettings, this.eventMapper)
			.jsonMapper(this.jsonMapper)
			.clientInfo(info)
			.capabilities(capabilities(elicitationHandler != null, urlHandler != null))
			.answers(answers)
			.refresh((change) -> refreshTools(change, async, sync, syncUsed))
			// What the server offers (discover, cached by the SDK) and what the
			// application listens to: a server without prompts is not asked for them.
			.filter(() -> async.discover()
				.map((discovered) -> McpListenStream.filter(name, discovered.capabilities(),
						this.resourceSubscriptions.apply(name))))
			.build();
		return new McpStatelessSession(server, transport, async, sync, listen);
	}

	/**
	 * The SDK clients keep the tool list (and the header annotations of each tool): after
	 * a change or a resync the async client lists again, so that the next call sees the
	 * server's tools as they are, and its list becomes the one {@link McpToolLists} keeps
	 * for the change; when it fails, the list kept is forgotten at once, as it no longer
	 * is the server's. The sync client lists again only if the application used it (its
	 * list is its own; the SDK offers no way to hand it one).
	 */
	private Mono<Void> refreshTools(McpEvent change, io.modelcontextprotocol.modern.client.McpAsyncClient async,
			io.modelcontextprotocol.modern.client.McpSyncClient sync, AtomicBoolean syncUsed) {
		McpToolLists lists = this.toolLists;
		Mono<?> asyncList = async.listTools().skipCache().list().doOnNext((result) -> {
			if (lists != null) {
				lists.refreshed(change, this.jsonMapper.convertValue(result.tools(), TOOLS));
			}
		}).doOnError((ex) -> {
			if (lists != null) {
				lists.forget(change.server());
			}
		});
		if (!syncUsed.get()) {
			return asyncList.then();
		}
		Mono<?> syncList = Mono.fromCallable(() -> sync.listTools().skipCache().list())
			.subscribeOn(Schedulers.boundedElastic());
		return Mono.when(asyncList, syncList);
	}

	private static io.modelcontextprotocol.modern.McpSchema.ClientCapabilities capabilities(boolean form, boolean url) {
		if (!form && !url) {
			return io.modelcontextprotocol.modern.McpSchema.ClientCapabilities.NONE;
		}
		return io.modelcontextprotocol.modern.McpSchema.ClientCapabilities.builder()
			.elicitation(new io.modelcontextprotocol.modern.McpSchema.ClientCapabilities.Elicitation(
					form ? new io.modelcontextprotocol.modern.McpSchema.ClientCapabilities.Elicitation.Form() : null,
					url ? new io.modelcontextprotocol.modern.McpSchema.ClientCapabilities.Elicitation.Url() : null))
			.build();
	}

	/**
	 * Build the client of a server whose revision is {@code auto}: both revisions'
	 * clients, nothing sent until the negotiation.
	 * @param server the server, whose transport is streamable HTTP
	 * @return the client
	 */
	public McpNegotiatingSession createNegotiating(McpServer server) {
		return new McpNegotiatingSession(create(server), createStateless(server), this.settings.initializeTimeout());
	}

	/**
	 * Return the revision-agnostic operations of a negotiating session.
	 * @param session the session
	 * @return its operations
	 */
	public McpOperations operations(McpNegotiatingSession session) {
		return new McpNegotiatedOperations(session, this.jsonMapper);
	}

	/**
	 * Return the notifications of a negotiating session, from the revision it picks.
	 * @param session the session
	 * @return the event source
	 */
	public McpEventSource events(McpNegotiatingSession session) {
		return new McpNegotiatedEventSource(session, this.streamSettings.reconnect());
	}

	/**
	 * Return the revision-agnostic operations of a 2025-11-25 session.
	 * @param session the session
	 * @return its operations
	 */
	public McpOperations operations(McpSession session) {
		return new McpSessionOperations(session);
	}

	/**
	 * Return the revision-agnostic operations of a 2026-07-28 session.
	 * @param session the session
	 * @return its operations
	 */
	public McpOperations operations(McpStatelessSession session) {
		return new McpStatelessOperations(session, this.jsonMapper);
	}

	private Mono<io.modelcontextprotocol.modern.McpSchema.ElicitResult> elicitUrl(McpUrlElicitationHandler handler,
			String server, io.modelcontextprotocol.modern.McpSchema.ElicitUrlRequest request) {
		McpSchema.ElicitUrlRequest legacy = this.jsonMapper.convertValue(request, McpSchema.ElicitUrlRequest.class);
		return handler.elicit(server, legacy)
			.map((result) -> this.jsonMapper.convertValue(result,
					io.modelcontextprotocol.modern.McpSchema.ElicitResult.class));
	}

	private Mono<io.modelcontextprotocol.modern.McpSchema.ElicitResult> elicit(McpElicitationHandler handler,
			String server, io.modelcontextprotocol.modern.McpSchema.ElicitFormRequest request) {
		McpSchema.ElicitFormRequest legacy = new McpSchema.ElicitFormRequest(request.message(),
				request.requestedSchema(), request.meta());
		return handler.elicit(server, legacy)
			.map((result) -> this.jsonMapper.convertValue(withDefaults(request.requestedSchema(), result),
					io.modelcontextprotocol.modern.McpSchema.ElicitResult.class));
	}

	/**
	 * SEP-1034, as the SDK does for 2025-11-25: an accepted form gets the defaults of the
	 * requested fields the handler left out.
	 */
	private static McpSchema.ElicitResult withDefaults(Map<String, Object> requestedSchema,
			McpSchema.ElicitResult result) {
		if (result.action() != McpSchema.ElicitResult.Action.ACCEPT
				|| !(requestedSchema.get("properties") instanceof Map<?, ?> properties)) {
			return result;
		}
		Map<String, Object> content = new LinkedHashMap<>((result.content() != null) ? result.content() : Map.of());
		properties.forEach((field, schema) -> {
			if (schema instanceof Map<?, ?> property && property.containsKey("default")
					&& !content.containsKey(String.valueOf(field))) {
				content.put(String.valueOf(field), property.get("default"));
			}
		});
		return McpSchema.ElicitResult.builder(result.action()).content(content).build();
	}

}
