package io.github.cloudrunmcp.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link McpEventStream} bean per configured server: {@code mcpEventStream}
 * (primary) for the default server and {@code mcpEventStream-<name>} for named ones, each
 * qualified by its server name, so that {@code @Qualifier("search") McpEventStream}
 * works.
 */
class McpEventStreamRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

	private Environment environment;

	private BeanFactory beanFactory;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		Binder binder = Binder.get(this.environment);
		Set<String> names = new LinkedHashSet<>();
		if (binder.bind("cloudrun.mcp.base-url", String.class).isBound()) {
			names.add(McpServer.DEFAULT_NAME);
		}
		names.addAll(binder.bind("cloudrun.mcp.servers", Bindable.mapOf(String.class, Object.class))
			.orElse(Map.of())
			.keySet());
		for (String name : names) {
			String beanName = McpServer.DEFAULT_NAME.equals(name) ? "mcpEventStream" : "mcpEventStream-" + name;
			if (registry.containsBeanDefinition(beanName)) {
				continue;
			}
			RootBeanDefinition definition = new RootBeanDefinition(McpEventStream.class, () -> create(name));
			definition.setPrimary(McpServer.DEFAULT_NAME.equals(name));
			definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
			registry.registerBeanDefinition(beanName, definition);
		}
	}

	private McpEventStream create(String name) {
		McpServer server = this.beanFactory.getBean(McpServers.class).get(name);
		return this.beanFactory.getBean(McpEventStreamFactory.class).create(server);
	}

}
