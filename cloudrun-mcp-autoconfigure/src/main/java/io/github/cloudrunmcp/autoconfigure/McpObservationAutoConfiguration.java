package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;

import io.github.cloudrunmcp.auth.IdTokenSourceDecorator;
import io.github.cloudrunmcp.observation.IdTokenFetchObservationConvention;
import io.github.cloudrunmcp.observation.McpClientObservationConvention;
import io.github.cloudrunmcp.observation.McpTraceContextFilterFunction;
import io.github.cloudrunmcp.observation.ObservedIdTokenSource;
import io.github.cloudrunmcp.observation.ObservedMcpClientTransport;
import io.github.cloudrunmcp.protocol.McpTransportDecorator;
import io.micrometer.observation.ObservationRegistry;
import io.modelcontextprotocol.client.McpAsyncClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the observations of MCP requests ({@code mcp.client.operation})
 * and ID-token fetches ({@code mcp.token.fetch}), and of the trace context MCP requests
 * carry into the server, when Micrometer's observation registry is present.
 */
@AutoConfiguration(before = McpClientAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({ ObservationRegistry.class, McpAsyncClient.class })
@ConditionalOnBean(ObservationRegistry.class)
public final class McpObservationAutoConfiguration {

	/** Slack after the request timeout before a request without response is ended. */
	private static final Duration TIMEOUT_SLACK = Duration.ofSeconds(1);

	@Bean
	@ConditionalOnMissingBean(name = "mcpObservationTransportDecorator")
	McpTransportDecorator mcpObservationTransportDecorator(ObservationRegistry registry,
			ObjectProvider<McpClientObservationConvention> convention, CloudRunMcpProperties properties) {
		Duration timeout = properties.getClient().getRequestTimeout().plus(TIMEOUT_SLACK);
		return (server, transport, decorated) -> new ObservedMcpClientTransport(decorated, server.name(),
				transport::protocolVersion, transport::sessionId, registry, convention.getIfUnique(), timeout);
	}

	@Bean
	@ConditionalOnMissingBean(name = "mcpTokenFetchObservationDecorator")
	IdTokenSourceDecorator mcpTokenFetchObservationDecorator(ObservationRegistry registry,
			ObjectProvider<IdTokenFetchObservationConvention> convention) {
		return (source) -> new ObservedIdTokenSource(source, registry, convention.getIfUnique());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClientCustomizer.class)
	static final class TraceContextHeaders {

		@Bean
		@ConditionalOnMissingBean(name = "mcpTraceContextWebClientCustomizer")
		WebClientCustomizer mcpTraceContextWebClientCustomizer() {
			McpTraceContextFilterFunction filter = new McpTraceContextFilterFunction();
			return (builder) -> builder.filters((filters) -> {
				if (filters.stream().noneMatch(McpTraceContextFilterFunction.class::isInstance)) {
					filters.add(filter);
				}
			});
		}

	}

}
