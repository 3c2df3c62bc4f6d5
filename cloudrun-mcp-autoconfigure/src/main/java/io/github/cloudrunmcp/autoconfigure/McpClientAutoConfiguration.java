package io.github.cloudrunmcp.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.protocol.McpClientCustomizer;
import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpClientSettings;
import io.github.cloudrunmcp.protocol.McpElicitationHandler;
import io.github.cloudrunmcp.protocol.McpLivenessCheck;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.protocol.McpRootsProvider;
import io.github.cloudrunmcp.protocol.McpSamplingHandler;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.McpSessionLifecycle;
import io.github.cloudrunmcp.protocol.McpTransportDecorator;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import tools.jackson.databind.ObjectMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration of an MCP client (official MCP Java SDK) for each server whose
 * transport is streamable-http, on the authenticated {@link WebClient}.
 */
@AutoConfiguration(after = CloudRunMcpAutoConfiguration.class,
		afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass({ McpAsyncClient.class, McpJsonDefaults.class })
@ConditionalOnBean({ McpServers.class, IdTokenExchangeFilterFunction.class })
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.client.enabled", matchIfMissing = true)
@Import(McpClientRegistrar.class)
public final class McpClientAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	McpClientFactory mcpClientFactory(CloudRunMcpProperties properties, IdTokenExchangeFilterFunction filter,
			ObjectProvider<WebClient.Builder> builders, ObjectProvider<ObjectMapper> mappers,
			ObjectProvider<McpSamplingHandler> sampling, ObjectProvider<McpElicitationHandler> elicitation,
			ObjectProvider<McpRootsProvider> roots, ObjectProvider<McpClientCustomizer> customizers,
			ObjectProvider<McpTransportDecorator> decorators, Environment environment) {
		CloudRunMcpProperties.Client client = properties.getClient();
		String name = (client.getName() != null) ? client.getName()
				: environment.getProperty("spring.application.name", "cloudrun-mcp");
		McpClientSettings settings = new McpClientSettings(name, client.getVersion(), client.getRequestTimeout(),
				client.getInitializeTimeout(), client.isLazy());
		StreamSettings streamSettings = McpServersFactory.streamSettings(properties.getStream());
		return new McpClientFactory(McpEventStreamAutoConfiguration.authenticatedClient(builders, filter),
				McpJsonDefaults.getMapper(), McpEventStreamAutoConfiguration.eventMapper(mappers), streamSettings,
				settings, sampling.getIfUnique(), elicitation.getIfUnique(), roots.getIfUnique(),
				customizers.orderedStream().toList(), decorators.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	McpSessionLifecycle mcpSessionLifecycle(ObjectProvider<McpSession> sessions, McpClientFactory factory,
			CloudRunMcpProperties properties) {
		StreamSettings.Reconnect reconnect = McpServersFactory.streamSettings(properties.getStream()).reconnect();
		return new McpSessionLifecycle(sessions.orderedStream().toList(), factory.settings(), reconnect.initialDelay(),
				reconnect.maxDelay());
	}

	@Bean
	@ConditionalOnMissingBean
	McpLivenessProbe mcpLivenessProbe(ObjectProvider<McpSession> sessions, CloudRunMcpProperties properties) {
		Map<String, McpLivenessCheck> checks = new LinkedHashMap<>();
		sessions.orderedStream()
			.forEach((session) -> checks.put(session.server().name(), McpLivenessCheck.ping(session.async())));
		return new McpLivenessProbe(checks, properties.getClient().getLivenessInterval());
	}

}
