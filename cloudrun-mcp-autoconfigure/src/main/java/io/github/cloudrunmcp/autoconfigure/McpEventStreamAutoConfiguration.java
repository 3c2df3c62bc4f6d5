package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.fleet.FleetEventSource;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.server.McpConfigurationException;
import io.github.cloudrunmcp.server.McpDelivery;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.McpDispatchExecutor;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import io.github.cloudrunmcp.stream.McpStreamKeepAlive;
import io.github.cloudrunmcp.stream.StreamSettings;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.VirtualThreadTaskExecutor;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration of the {@link McpEventStream} of each server of the
 * {@link McpServers} bean ({@code mcpEventStream}, primary, for the default server and
 * {@code mcpEventStream-<name>} for named ones, each qualified by its server's name; for
 * a streamable-http server, fed by its MCP session's notifications), of the
 * {@link McpDispatchExecutor} on which they all deliver their events (at most
 * {@code cloudrun.mcp.stream.dispatch-threads} platform threads, or virtual threads when
 * {@code spring.threads.virtual.enabled} is set on Java 21 or later), and of
 * {@link io.github.cloudrunmcp.listener.McpListener @McpListener} methods.
 */
@AutoConfiguration(after = { CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class },
		afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnBean({ McpServers.class, IdTokenExchangeFilterFunction.class })
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.stream.enabled", matchIfMissing = true)
public final class McpEventStreamAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	static McpListenerFactory mcpListenerFactory() {
		return new McpListenerFactory();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnThreading(Threading.PLATFORM)
	McpDispatchExecutor mcpDispatchExecutor(CloudRunMcpProperties properties) {
		return McpDispatchExecutor.platformThreads(McpServersFactory.dispatchThreads(properties.getStream()));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnThreading(Threading.VIRTUAL)
	McpDispatchExecutor mcpDispatchExecutorVirtualThreads() {
		// A virtual thread per busy stream at a time: the streams' lanes keep each
		// stream's deliveries in order.
		return McpDispatchExecutor.on(new VirtualThreadTaskExecutor("cloudrun-mcp-dispatch-"));
	}

	@Bean
	@ConditionalOnMissingBean
	McpEventStreamFactory mcpEventStreamFactory(
			@Qualifier(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME) WebClient webClient, StreamSettings settings,
			ObjectProvider<ObjectMapper> mappers, McpDispatchExecutor dispatchThreads,
			ApplicationEventPublisher publisher) {
		return new McpEventStreamFactory(webClient, settings, eventMapper(mappers), dispatchThreads,
				publisher::publishEvent);
	}

	@Bean
	@ConditionalOnMissingBean
	McpStreamKeepAlive mcpStreamKeepAlive(ObjectProvider<McpEventStream> streams) {
		return new McpStreamKeepAlive(() -> streams.orderedStream().toList());
	}

	@Bean
	@Order(McpServerBeans.STREAM_ORDER)
	McpServerBeans mcpEventStreamBeans(ObjectProvider<McpEventStreamFactory> factory,
			CloudRunMcpProperties properties) {
		return (server, registry) -> {
			if (McpDeliveries.of(properties, server) == McpDelivery.ONCE) {
				// The fleet's subscription feeds the stream (McpFleetAutoConfiguration);
				// each event is acknowledged, or redelivered, after its listeners ran.
				String source = McpServerBeanRegistry.beanName(McpDeliveries.FLEET_SOURCE, server.name());
				if (!registry.contains(source)) {
					throw new McpConfigurationException(McpDeliveries.property(server), McpDeliveries.property(server)
							+ " is 'once' but the fleet is not configured: com.google.cloud:google-cloud-pubsub and "
							+ "com.google.cloud:google-cloud-firestore must be on the classpath.",
							"Add both dependencies, or set " + McpDeliveries.property(server) + " to every-instance.");
				}
				registry.register("mcpEventStream", server, McpEventStream.class, () -> {
					FleetEventSource fleet = registry.bean(source, FleetEventSource.class);
					McpEventStreamFactory streams = factory.getObject();
					return streams.withDispatcher(fleet.settling(streams.dispatcher())).create(server, fleet);
				});
				return;
			}
			if (server.transport() != McpTransportType.STREAMABLE_HTTP) {
				registry.register("mcpEventStream", server, McpEventStream.class,
						() -> factory.getObject().create(server));
				return;
			}
			// The MCP session's notifications feed the stream; without an MCP client
			// (cloudrun.mcp.client.enabled=false) there is nothing to stream.
			String transport = McpServerBeanRegistry.beanName("mcpTransport", server.name());
			if (!registry.contains(transport)) {
				// A 2026-07-28 server's notifications come on its listen stream.
				transport = McpServerBeanRegistry.beanName("mcpListenStream", server.name());
			}
			if (!registry.contains(transport)) {
				// An auto server's come from the revision it negotiates.
				transport = McpServerBeanRegistry.beanName(McpClientAutoConfiguration.NEGOTIATED_EVENTS, server.name());
			}
			String source = transport;
			if (registry.contains(source)) {
				registry.register("mcpEventStream", server, McpEventStream.class,
						() -> factory.getObject().create(server, registry.bean(source, McpEventSource.class)));
			}
		};
	}

	static ObjectMapper eventMapper(ObjectProvider<ObjectMapper> mappers) {
		return mappers.getIfAvailable(() -> JsonMapper.builder().build());
	}

}
