package io.github.cloudrunmcp.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.cloudrunmcp.health.McpServerHealthIndicator;
import io.github.cloudrunmcp.protocol.McpLivenessProbe;
import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpEventStream;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
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
 * named after it, whether the server has an event stream, an MCP session, or both.
 */
@AutoConfiguration(after = { McpEventStreamAutoConfiguration.class, McpClientAutoConfiguration.class })
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(McpServers.class)
@ConditionalOnEnabledHealthIndicator("mcp")
public final class McpHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "mcpHealthContributor")
	CompositeHealthContributor mcpHealthContributor(McpServers servers, ObjectProvider<McpEventStream> streams,
			ObjectProvider<McpLivenessProbe> probes, ListableBeanFactory beanFactory) {
		McpLivenessProbe probe = probes.getIfUnique();
		Map<String, McpEventStream> streamsByServer = new LinkedHashMap<>();
		streams.orderedStream().forEach((stream) -> streamsByServer.put(stream.server(), stream));
		Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
		for (McpServer server : servers.all()) {
			McpEventStream stream = streamsByServer.get(server.name());
			McpOperations operations = qualified(beanFactory, McpOperations.class, server.name());
			if (stream != null) {
				indicators.put(server.name(), new McpServerHealthIndicator(stream, probe, operations));
				continue;
			}
			// Without a stream (stream.enabled=false), an MCP session's transport still
			// tells how its connection goes.
			McpEventSource source = qualified(beanFactory, McpEventSource.class, server.name());
			if (source != null) {
				indicators.put(server.name(),
						new McpServerHealthIndicator(server.name(), server.mcpUrl(), source, probe, operations));
			}
		}
		return CompositeHealthContributor.fromMap(indicators);
	}

	private static <T> @Nullable T qualified(ListableBeanFactory beanFactory, Class<T> type, String server) {
		if (beanFactory.getBeanNamesForType(type).length == 0) {
			return null;
		}
		try {
			return BeanFactoryAnnotationUtils.qualifiedBeanOfType(beanFactory, type, server);
		}
		catch (NoSuchBeanDefinitionException ex) {
			return null;
		}
	}

}
