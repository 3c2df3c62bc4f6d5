package io.github.cloudrunmcp.autoconfigure;

import java.util.function.Supplier;

import io.github.cloudrunmcp.server.McpServer;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;

/**
 * Where {@link McpServerBeans} register the beans of a server: named {@code <prefix>} for
 * the default server (and primary) and {@code <prefix>-<name>} for named ones, each
 * qualified by the server's name.
 */
final class McpServerBeanRegistry {

	private final ConfigurableListableBeanFactory beanFactory;

	private final BeanDefinitionRegistry registry;

	McpServerBeanRegistry(ConfigurableListableBeanFactory beanFactory, BeanDefinitionRegistry registry) {
		this.beanFactory = beanFactory;
		this.registry = registry;
	}

	/**
	 * Return the name of a server's bean.
	 * @param prefix the bean name of the default server's bean, such as
	 * {@code mcpEventStream}
	 * @param server the server's name
	 * @return the bean name
	 */
	static String beanName(String prefix, String server) {
		return McpServer.DEFAULT_NAME.equals(server) ? prefix : prefix + "-" + server;
	}

	/**
	 * Register a bean of a server unless a bean of that name exists (the application's
	 * own wins). Its lifecycle is the business of the beans that own it, so no destroy
	 * method is inferred.
	 * @param <T> the bean type
	 * @param prefix the bean name of the default server's bean
	 * @param server the server
	 * @param type the bean type
	 * @param supplier creates the bean when it is first needed
	 * @return the bean name
	 */
	<T> String register(String prefix, McpServer server, Class<T> type, Supplier<T> supplier) {
		String beanName = beanName(prefix, server.name());
		if (this.beanFactory.containsBean(beanName)) {
			return beanName;
		}
		RootBeanDefinition definition = new RootBeanDefinition(type, supplier);
		definition.setPrimary(McpServer.DEFAULT_NAME.equals(server.name()));
		definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, server.name()));
		definition.setDestroyMethodName("");
		this.registry.registerBeanDefinition(beanName, definition);
		return beanName;
	}

	/**
	 * Return whether a bean of that name exists.
	 * @param beanName the bean name
	 * @return whether it exists
	 */
	boolean contains(String beanName) {
		return this.beanFactory.containsBean(beanName);
	}

	/**
	 * Return a bean, for the suppliers of beans that depend on other beans of the server.
	 * @param <T> the bean type
	 * @param beanName the bean name
	 * @param type the bean type
	 * @return the bean
	 */
	<T> T bean(String beanName, Class<T> type) {
		return this.beanFactory.getBean(beanName, type);
	}

	/**
	 * Return the class loader of the application's beans.
	 * @return the class loader
	 */
	ClassLoader classLoader() {
		ClassLoader classLoader = this.beanFactory.getBeanClassLoader();
		return (classLoader != null) ? classLoader : McpServerBeanRegistry.class.getClassLoader();
	}

}
