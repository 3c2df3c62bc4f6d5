package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.protocol.McpToolLists;
import io.github.cloudrunmcp.springai.McpToolCallbackProvider;
import tools.jackson.databind.ObjectMapper;

import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of Spring AI tool callbacks for the tools of every configured MCP
 * server, when Spring AI is on the classpath: an {@link McpToolCallbackProvider} that
 * calls them through each server's {@link McpOperations}, whichever revision it speaks.
 */
@AutoConfiguration(after = McpClientAutoConfiguration.class)
@ConditionalOnClass({ ToolCallbackProvider.class, McpOperations.class })
@ConditionalOnBean(McpClientFactory.class)
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.client.spring-ai-tool-callbacks", matchIfMissing = true)
public final class McpSpringAiAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	McpToolCallbackProvider cloudRunMcpToolCallbacks(ObjectProvider<McpOperations> operations, McpToolLists toolLists,
			ObjectProvider<ObjectMapper> mappers, CloudRunMcpProperties properties) {
		// The servers' beans are looked up at each listing, not at start-up.
		return new McpToolCallbackProvider(() -> operations.orderedStream().toList(), toolLists,
				McpEventStreamAutoConfiguration.eventMapper(mappers), properties.getClient().getRequestTimeout());
	}

}
