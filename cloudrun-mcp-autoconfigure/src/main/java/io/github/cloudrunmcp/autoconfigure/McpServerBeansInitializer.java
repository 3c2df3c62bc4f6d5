package io.github.cloudrunmcp.autoconfigure;

import java.util.List;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;

import org.springframework.beans.factory.BeanFactoryInitializer;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;

/**
 * Registers the beans of every server of the {@link McpServers} bean through the
 * {@link McpServerBeans} beans.
 * <p>
 * Why here: the servers are only known once the {@code McpServers} bean exists, which may
 * be the application's own and may depend on anything. A bean factory initializer runs
 * after every bean post-processor is in place (so that bean is created as any other) and
 * before the singletons are created (so that they can inject the per-server beans).
 */
final class McpServerBeansInitializer implements BeanFactoryInitializer<ConfigurableListableBeanFactory> {

	@Override
	public void initialize(ConfigurableListableBeanFactory beanFactory) {
		if (!(beanFactory instanceof BeanDefinitionRegistry registry)) {
			throw new IllegalStateException("cloudrun-mcp registers a bean per MCP server and needs a bean factory "
					+ "that accepts bean definitions, got " + beanFactory.getClass().getName());
		}
		List<McpServerBeans> contributors = beanFactory.getBeanProvider(McpServerBeans.class).orderedStream().toList();
		if (contributors.isEmpty()) {
			return;
		}
		McpServers servers = beanFactory.getBean(McpServers.class);
		McpServerBeanRegistry beans = new McpServerBeanRegistry(beanFactory, registry);
		for (McpServerBeans contributor : contributors) {
			for (McpServer server : servers.all()) {
				contributor.register(server, beans);
			}
		}
	}

}
