package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.actuate.McpEndpoint;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.McpToolLists;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.modelcontextprotocol.client.McpAsyncClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code mcp} actuator endpoint, when it is available (exposed
 * and enabled, as Spring Boot decides for every endpoint).
 */
@AutoConfiguration(after = { McpEventStreamAutoConfiguration.class, McpClientAutoConfiguration.class })
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class, McpAsyncClient.class })
@ConditionalOnBean(McpServers.class)
@ConditionalOnAvailableEndpoint(McpEndpoint.class)
public final class McpEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	McpEndpoint mcpEndpoint(McpServers servers, ObjectProvider<McpEventStream> streams,
			ObjectProvider<McpSession> sessions, ObjectProvider<McpOperations> operations,
			ObjectProvider<McpToolLists> toolLists, ObjectProvider<IdTokenExchangeFilterFunction> tokens) {
		return new McpEndpoint(servers, streams.orderedStream().toList(), sessions.orderedStream().toList(),
				operations.orderedStream().toList(), toolLists.getIfUnique(), tokens.getIfUnique());
	}

}
