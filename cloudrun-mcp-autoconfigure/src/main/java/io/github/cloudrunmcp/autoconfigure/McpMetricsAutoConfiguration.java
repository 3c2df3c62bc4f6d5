package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.observation.McpStreamMetrics;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the event streams' metrics ({@code mcp.stream.*}) when Micrometer
 * is present.
 */
@AutoConfiguration(after = McpEventStreamAutoConfiguration.class)
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(McpEventStreamFactory.class)
public final class McpMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	McpStreamMetrics mcpStreamMetrics(ObjectProvider<McpEventStream> streams) {
		return new McpStreamMetrics(streams.orderedStream().toList());
	}

}
