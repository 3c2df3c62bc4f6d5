package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;

import io.github.cloudrunmcp.auth.IdTokenSourceDecorator;
import io.github.cloudrunmcp.observation.IdTokenFetchObservationConvention;
import io.github.cloudrunmcp.observation.McpClientObservationConvention;
import io.github.cloudrunmcp.observation.McpStreamConnectionObservationConvention;
import io.github.cloudrunmcp.observation.McpStreamConnectionObservations;
import io.github.cloudrunmcp.observation.McpTraceContextFilterFunction;
import io.github.cloudrunmcp.observation.ObservedIdTokenSource;
import io.github.cloudrunmcp.observation.ObservedMcpClientTransport;
import io.github.cloudrunmcp.observation.ObservedStatelessMcpClientTransport;
import io.github.cloudrunmcp.protocol.McpTransportDecorator;
import io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport;
import io.github.cloudrunmcp.protocol.StatelessStreamableHttpTransport;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.micrometer.observation.ObservationRegistry;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the observations of MCP requests ({@code mcp.client.operation}),
 * ID-token fetches ({@code mcp.token.fetch}) and event stream connections
 * ({@code mcp.stream.connection}), and of the trace context MCP requests carry into the
 * server, when Micrometer's observation registry is present.
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
		return new McpTransportDecorator() {

			@Override
			public McpClientTransport decorate(McpServer server, ResumableStreamableHttpTransport transport,
					McpClientTransport decorated) {
				return new ObservedMcpClientTransport(decorated, server.name(), transport::protocolVersion,
						transport::sessionId, registry, convention.getIfUnique(), timeout);
			}

			@Override
			public io.modelcontextprotocol.modern.client.transport.McpClientTransport decorateStateless(
					McpServer server, StatelessStreamableHttpTransport transport,
					io.modelcontextprotocol.modern.client.transport.McpClientTransport decorated) {
				return new ObservedStatelessMcpClientTransport(decorated, server.name(), McpJsonDefaults.getMapper(),
						registry, convention.getIfUnique());
			}

		};
	}

	@Bean
	@ConditionalOnMissingBean
	McpStreamConnectionObservations mcpStreamConnectionObservations(ObservationRegistry registry,
			ObjectProvider<McpEventStream> streams,
			ObjectProvider<McpStreamConnectionObservationConvention> convention) {
		return new McpStreamConnectionObservations(streams.orderedStream().toList(), registry,
				convention.getIfUnique());
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
