package io.github.cloudrunmcp.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.cloudrunmcp.health.McpStreamHealthIndicator;
import io.github.cloudrunmcp.stream.McpEventStream;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code mcp} health contributor: one indicator per server,
 * named after it.
 */
@AutoConfiguration(after = McpEventStreamAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(McpEventStream.class)
@ConditionalOnEnabledHealthIndicator("mcp")
public final class McpHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "mcpHealthContributor")
	CompositeHealthContributor mcpHealthContributor(ObjectProvider<McpEventStream> streams) {
		Map<String, McpEventStream> byServer = new LinkedHashMap<>();
		streams.orderedStream().forEach((stream) -> byServer.put(stream.server(), stream));
		return CompositeHealthContributor.fromMap(byServer, McpStreamHealthIndicator::new);
	}

}
