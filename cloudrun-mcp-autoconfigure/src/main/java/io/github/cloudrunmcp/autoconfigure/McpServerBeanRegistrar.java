package io.github.cloudrunmcp.autoconfigure;

import java.util.function.Supplier;

import io.github.cloudrunmcp.server.McpServer;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;

/**
 * Registers beans per configured server: primary for the default server, qualified by the
 * server's name, created on first use from the beans the auto-configurations define.
 */
abstract class McpServerBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

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

	protected Environment environment() {
		return this.environment;
	}

	protected BeanFactory beanFactory() {
		return this.beanFactory;
	}

	/**
	 * Register a bean of a server unless one of that name exists. Its lifecycle is the
	 * business of the beans that own it, so no destroy method is inferred.
	 */
	protected static <T> void register(BeanDefinitionRegistry registry, String beanName, String server, Class<T> type,
			Supplier<T> supplier) {
		if (registry.containsBeanDefinition(beanName)) {
			return;
		}
		RootBeanDefinition definition = new RootBeanDefinition(type, supplier);
		definition.setPrimary(McpServer.DEFAULT_NAME.equals(server));
		definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, server));
		definition.setDestroyMethodName("");
		registry.registerBeanDefinition(beanName, definition);
	}

}
