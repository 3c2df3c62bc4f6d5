package io.github.cloudrunmcp.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.protocol.McpClientCustomizer;
import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpClientSettings;
import io.github.cloudrunmcp.protocol.McpElicitationHandler;
import io.github.cloudrunmcp.protocol.McpListenStream;
import io.github.cloudrunmcp.protocol.McpLivenessCheck;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.protocol.McpNegotiatingSession;
import io.github.cloudrunmcp.protocol.McpNegotiationLifecycle;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.protocol.McpRootsProvider;
import io.github.cloudrunmcp.protocol.McpSamplingHandler;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.McpSessionLifecycle;
import io.github.cloudrunmcp.protocol.McpSessionRenewalTransport;
import io.github.cloudrunmcp.protocol.McpStatelessSession;
import io.github.cloudrunmcp.protocol.McpToolLists;
import io.github.cloudrunmcp.protocol.McpTransportDecorator;
import io.github.cloudrunmcp.protocol.McpUrlElicitationHandler;
import io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport;
import io.github.cloudrunmcp.protocol.StatelessStreamableHttpTransport;
import io.github.cloudrunmcp.server.McpResourceSubscriptions;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import tools.jackson.databind.ObjectMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration of an MCP client (official MCP Java SDK) for each server of the
 * {@link McpServers} bean whose transport is streamable-http, on the authenticated
 * {@link WebClient}: an {@link McpSession} ({@code mcpSession},
 * {@code mcpSession-<name>}), its transport ({@code mcpTransport},
 * {@code mcpTransport-<name>}) and its {@link McpAsyncClient} ({@code mcpAsyncClient},
 * {@code mcpAsyncClient-<name>}), each qualified by the server's name and primary for the
 * default server. A server whose revision is 2026-07-28 gets instead an
 * {@link McpStatelessSession} ({@code mcpStatelessSession}), its transport
 * ({@code mcpStatelessTransport}), the SDK's 2026-07-28 asynchronous and synchronous
 * clients ({@code mcpStatelessAsyncClient}, {@code mcpStatelessSyncClient}) and its
 * {@link McpListenStream} ({@code mcpListenStream}), named and qualified the same way. A
 * server whose revision is {@code auto} gets an {@link McpNegotiatingSession}
 * ({@code mcpNegotiatingSession}) and the notifications of the revision it negotiates
 * ({@code mcpNegotiatedEvents}). Every streamable-http server gets {@link McpOperations}
 * ({@code mcpOperations}), the same calls whichever revision it speaks.
 */
@AutoConfiguration(after = CloudRunMcpAutoConfiguration.class,
		afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass({ McpAsyncClient.class, McpJsonDefaults.class })
@ConditionalOnBean({ McpServers.class, IdTokenExchangeFilterFunction.class })
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.client.enabled", matchIfMissing = true)
public final class McpClientAutoConfiguration {

	/**
	 * Bean name of the notifications of the default server when its revision is
	 * {@code auto}.
	 */
	static final String NEGOTIATED_EVENTS = "mcpNegotiatedEvents";

	@Bean
	@ConditionalOnMissingBean
	McpClientFactory mcpClientFactory(CloudRunMcpProperties properties,
			@Qualifier(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME) WebClient webClient,
			StreamSettings streamSettings, ObjectProvider<ObjectMapper> mappers,
			ObjectProvider<McpSamplingHandler> sampling, ObjectProvider<McpElicitationHandler> elicitation,
			ObjectProvider<McpUrlElicitationHandler> urlElicitation, ObjectProvider<McpRootsProvider> roots,
			ObjectProvider<McpClientCustomizer> customizers, ObjectProvider<McpTransportDecorator> decorators,
			ObjectProvider<McpListenerFactory> listenerFactories, ObjectProvider<McpToolLists> toolLists,
			Environment environment) {
		CloudRunMcpProperties.Client client = properties.getClient();
		String name = (client.getName() != null) ? client.getName()
				: environment.getProperty("spring.application.name", "cloudrun-mcp");
		McpClientSettings settings = new McpClientSettings(name, client.getVersion(), client.getRequestTimeout(),
				client.getInitializeTimeout(), client.isLazy(), client.getMaxInputRounds());
		return new McpClientFactory(webClient, McpJsonDefaults.getMapper(),
				McpEventStreamAutoConfiguration.eventMapper(mappers), streamSettings, settings, sampling.getIfUnique(),
				elicitation.getIfUnique(), roots.getIfUnique(), customizers.orderedStream().toList(),
				decorators.orderedStream().toList())
			.urlElicitation(urlElicitation.getIfUnique())
			.resourceSubscriptions(resourceSubscriptions(properties, listenerFactories))
			.toolLists(toolLists.getIfUnique());
	}

	/**
	 * The resources of the configuration and those of {@code @McpListener} methods, asked
	 * when a listen stream starts: the listener methods are known by then.
	 */
	private static Function<String, List<String>> resourceSubscriptions(CloudRunMcpProperties properties,
			ObjectProvider<McpListenerFactory> listenerFactories) {
		McpResourceSubscriptions configured = new McpResourceSubscriptions();
		configured.add(McpServer.DEFAULT_NAME, properties.getResourceSubscriptions());
		properties.getServers().forEach((name, server) -> configured.add(name, server.getResourceSubscriptions()));
		return (server) -> {
			Set<String> uris = new TreeSet<>(configured.uris(server));
			listenerFactories.orderedStream()
				.forEach((factory) -> uris.addAll(factory.resourceSubscriptions().uris(server)));
			return List.copyOf(uris);
		};
	}

	@Bean
	@Order(McpServerBeans.CLIENT_ORDER)
	McpServerBeans mcpClientBeans(ObjectProvider<McpClientFactory> factory) {
		return (server, registry) -> {
			if (server.transport() != McpTransportType.STREAMABLE_HTTP) {
				return;
			}
			if (server.revision() == McpRevision.AUTO) {
				String negotiating = registry.register("mcpNegotiatingSession", server, McpNegotiatingSession.class,
						() -> factory.getObject().createNegotiating(server));
				registry.register("mcpOperations", server, McpOperations.class,
						() -> factory.getObject().operations(registry.bean(negotiating, McpNegotiatingSession.class)));
				registry.register(NEGOTIATED_EVENTS, server, McpEventSource.class,
						() -> factory.getObject().events(registry.bean(negotiating, McpNegotiatingSession.class)));
				return;
			}
			if (server.revision() == McpRevision.V2026_07_28) {
				String stateless = registry.register("mcpStatelessSession", server, McpStatelessSession.class,
						() -> factory.getObject().createStateless(server));
				registry.register("mcpStatelessTransport", server, StatelessStreamableHttpTransport.class,
						() -> registry.bean(stateless, McpStatelessSession.class).transport());
				registry.register("mcpStatelessAsyncClient", server,
						io.modelcontextprotocol.modern.client.McpAsyncClient.class,
						() -> registry.bean(stateless, McpStatelessSession.class).async());
				registry.register("mcpStatelessSyncClient", server,
						io.modelcontextprotocol.modern.client.McpSyncClient.class,
						() -> registry.bean(stateless, McpStatelessSession.class).sync());
				registry.register("mcpListenStream", server, McpListenStream.class,
						() -> registry.bean(stateless, McpStatelessSession.class).listen());
				registry.register("mcpOperations", server, McpOperations.class,
						() -> factory.getObject().operations(registry.bean(stateless, McpStatelessSession.class)));
				return;
			}
			String session = registry.register("mcpSession", server, McpSession.class,
					() -> factory.getObject().create(server));
			registry.register("mcpTransport", server, ResumableStreamableHttpTransport.class,
					() -> registry.bean(session, McpSession.class).transport());
			registry.register("mcpAsyncClient", server, McpAsyncClient.class,
					() -> registry.bean(session, McpSession.class).async());
			registry.register("mcpOperations", server, McpOperations.class,
					() -> factory.getObject().operations(registry.bean(session, McpSession.class)));
		};
	}

	@Bean
	@ConditionalOnMissingBean
	McpSessionLifecycle mcpSessionLifecycle(ObjectProvider<McpSession> sessions, McpClientFactory factory,
			StreamSettings streamSettings) {
		StreamSettings.Reconnect reconnect = streamSettings.reconnect();
		return new McpSessionLifecycle(sessions.orderedStream().toList(), factory.settings(), reconnect.initialDelay(),
				reconnect.maxDelay());
	}

	@Bean
	@ConditionalOnMissingBean
	McpNegotiationLifecycle mcpNegotiationLifecycle(ObjectProvider<McpNegotiatingSession> negotiating,
			ObjectProvider<McpStatelessSession> stateless, McpClientFactory factory, StreamSettings streamSettings) {
		StreamSettings.Reconnect reconnect = streamSettings.reconnect();
		return new McpNegotiationLifecycle(negotiating.orderedStream().toList(), stateless.orderedStream().toList(),
				factory.settings(), reconnect.initialDelay(), reconnect.maxDelay());
	}

	@Bean
	@ConditionalOnMissingBean
	McpLivenessProbe mcpLivenessProbe(ObjectProvider<McpSession> sessions,
			ObjectProvider<McpStatelessSession> statelessSessions,
			ObjectProvider<McpNegotiatingSession> negotiatingSessions, CloudRunMcpProperties properties) {
		Map<String, McpLivenessCheck> checks = new LinkedHashMap<>();
		sessions.orderedStream()
			.forEach((session) -> checks.put(session.server().name(), McpLivenessCheck.ping(session.async())));
		statelessSessions.orderedStream()
			.forEach((session) -> checks.put(session.server().name(), McpLivenessCheck.discover(session.transport())));
		negotiatingSessions.orderedStream()
			.forEach((session) -> checks.put(session.server().name(), McpLivenessCheck.negotiated(session)));
		return new McpLivenessProbe(checks, properties.getClient().getLivenessInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	McpToolLists mcpToolLists() {
		return new McpToolLists();
	}

	@Bean
	@ConditionalOnMissingBean(name = "mcpSessionRenewalTransportDecorator")
	McpTransportDecorator mcpSessionRenewalTransportDecorator(ApplicationEventPublisher publisher,
			CloudRunMcpProperties properties, ObjectProvider<McpListenerFactory> listenerFactories) {
		return McpSessionRenewalTransport.decorator(publisher::publishEvent,
				resourceSubscriptions(properties, listenerFactories));
	}

}
