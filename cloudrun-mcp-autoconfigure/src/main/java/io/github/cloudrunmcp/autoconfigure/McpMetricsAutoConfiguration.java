package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.observation.McpSessionMetrics;
import io.github.cloudrunmcp.observation.McpStreamMetrics;
import io.github.cloudrunmcp.observation.McpTokenMetrics;
import io.github.cloudrunmcp.protocol.McpListenStream;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelcontextprotocol.client.McpAsyncClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the metrics of event streams ({@code mcp.stream.*}), ID tokens
 * ({@code mcp.token.*}) and sessions ({@code mcp.session.renewals},
 * {@code mcp.stream.resyncs}) when Micrometer is present.
 */
@AutoConfiguration(after = { McpEventStreamAutoConfiguration.class, McpClientAutoConfiguration.class })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(McpServers.class)
public final class McpMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(McpEventStreamFactory.class)
	McpStreamMetrics mcpStreamMetrics(ObjectProvider<McpEventStream> streams) {
		return new McpStreamMetrics(streams.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(IdTokenExchangeFilterFunction.class)
	McpTokenMetrics mcpTokenMetrics(McpServers servers, IdTokenExchangeFilterFunction tokens) {
		return new McpTokenMetrics(servers.all().stream().toList(), tokens);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(McpAsyncClient.class)
	static final class SessionMetrics {

		@Bean
		@ConditionalOnMissingBean
		McpSessionMetrics mcpSessionMetrics(ObjectProvider<McpListenStream> listenStreams) {
			return new McpSessionMetrics(listenStreams.orderedStream().toList());
		}

	}

}
