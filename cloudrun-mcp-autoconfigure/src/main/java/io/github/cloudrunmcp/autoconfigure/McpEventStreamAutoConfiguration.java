package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration of the {@link McpEventStream} of each configured server, and of
 * {@link io.github.cloudrunmcp.listener.McpListener @McpListener} methods.
 */
@AutoConfiguration(after = { CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class },
		afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnBean({ McpServers.class, IdTokenExchangeFilterFunction.class })
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.stream.enabled", matchIfMissing = true)
@Import(McpEventStreamRegistrar.class)
public final class McpEventStreamAutoConfiguration {

	@Bean
	static McpListenerFactory mcpListenerFactory() {
		return new McpListenerFactory();
	}

	@Bean
	@ConditionalOnMissingBean
	McpEventStreamFactory mcpEventStreamFactory(CloudRunMcpProperties properties, IdTokenExchangeFilterFunction filter,
			ObjectProvider<WebClient.Builder> builders, ObjectProvider<ObjectMapper> mappers,
			ApplicationEventPublisher publisher) {
		return new McpEventStreamFactory(authenticatedClient(builders, filter),
				McpServersFactory.streamSettings(properties.getStream()), eventMapper(mappers),
				publisher::publishEvent);
	}

	/**
	 * Return a client from Spring Boot's builder (codecs, observation, customizers) when
	 * present, with the ID-token filter once.
	 */
	static WebClient authenticatedClient(ObjectProvider<WebClient.Builder> builders,
			IdTokenExchangeFilterFunction filter) {
		return builders.getIfAvailable(WebClient::builder).clone().filters((filters) -> {
			if (!filters.contains(filter)) {
				filters.add(filter);
			}
		}).build();
	}

	static ObjectMapper eventMapper(ObjectProvider<ObjectMapper> mappers) {
		return mappers.getIfAvailable(() -> JsonMapper.builder().build());
	}

}
