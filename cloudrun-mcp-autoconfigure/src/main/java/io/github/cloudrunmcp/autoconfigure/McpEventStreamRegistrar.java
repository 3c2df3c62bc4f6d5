package io.github.cloudrunmcp.autoconfigure;

import java.util.Map;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link McpEventStream} bean per configured server (for a streamable-http
 * server, fed by its MCP session's notifications): {@code mcpEventStream} (primary) for
 * the default server and {@code mcpEventStream-<name>} for named ones, each qualified by
 * its server name, so that {@code @Qualifier("search") McpEventStream} works.
 */
class McpEventStreamRegistrar extends McpServerBeanRegistrar {

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		for (Map.Entry<String, McpTransportType> entry : McpProtocolServers.transports(environment()).entrySet()) {
			String name = entry.getKey();
			String beanName = McpProtocolServers.beanName("mcpEventStream", name);
			String sourceBean = null;
			if (entry.getValue() == McpTransportType.STREAMABLE_HTTP) {
				// The MCP session's notifications feed the stream; without an MCP client
				// (cloudrun.mcp.client.enabled=false) there is nothing to stream.
				sourceBean = McpProtocolServers.beanName("mcpTransport", name);
				if (!registry.containsBeanDefinition(sourceBean)) {
					continue;
				}
			}
			String source = sourceBean;
			register(registry, beanName, name, McpEventStream.class, () -> create(name, source));
		}
	}

	private McpEventStream create(String name, @Nullable String sourceBean) {
		McpServer server = beanFactory().getBean(McpServers.class).get(name);
		McpEventStreamFactory factory = beanFactory().getBean(McpEventStreamFactory.class);
		if (sourceBean != null) {
			return factory.create(server, beanFactory().getBean(sourceBean, McpEventSource.class));
		}
		return factory.create(server);
	}

}
