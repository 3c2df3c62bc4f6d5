package io.github.cloudrunmcp.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.core.type.MethodMetadata;
import org.springframework.util.ClassUtils;

/**
 * Whether the application defines the HTTP client of its {@code WebClient}s itself: a
 * {@code ClientHttpConnector}, a {@code ClientHttpConnectorBuilder} or (where Spring Boot
 * builds its connector from one) a {@code ReactorResourceFactory} bean that Spring Boot's
 * auto-configuration did not define. Then the library's {@code WebClient} uses the
 * application's connector rather than its own pooled one.
 */
abstract class ApplicationHttpConnectorCondition extends SpringBootCondition implements ConfigurationCondition {

	private static final String CONNECTOR = "org.springframework.http.client.reactive.ClientHttpConnector";

	private static final String CONNECTOR_BUILDER = "org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder";

	private static final String RESOURCE_FACTORY = "org.springframework.http.client.ReactorResourceFactory";

	/** Present when Boot's connector builder is given the Reactor resources. */
	private static final String BOOT_REACTOR_NETTY = "org.springframework.boot.reactor.netty.autoconfigure.ReactorNettyConfigurations";

	private static final String SPRING_BOOT = "org.springframework.boot.";

	private final boolean defined;

	ApplicationHttpConnectorCondition(boolean defined) {
		this.defined = defined;
	}

	@Override
	public ConfigurationPhase getConfigurationPhase() {
		// Once the application's bean methods are registered, as for
		// @ConditionalOnMissingBean.
		return ConfigurationPhase.REGISTER_BEAN;
	}

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		String bean = (beanFactory != null) ? applicationBean(beanFactory, context.getClassLoader()) : null;
		if (bean != null) {
			return new ConditionOutcome(this.defined, "the application defines " + bean);
		}
		return new ConditionOutcome(!this.defined,
				"the application defines no HTTP connector, connector builder " + "or Reactor resource factory");
	}

	private static @Nullable String applicationBean(ConfigurableListableBeanFactory beanFactory,
			@Nullable ClassLoader classLoader) {
		List<String> types = ClassUtils.isPresent(BOOT_REACTOR_NETTY, classLoader)
				? List.of(CONNECTOR, CONNECTOR_BUILDER, RESOURCE_FACTORY) : List.of(CONNECTOR, CONNECTOR_BUILDER);
		for (String typeName : types) {
			if (!ClassUtils.isPresent(typeName, classLoader)) {
				continue;
			}
			Class<?> type = ClassUtils.resolveClassName(typeName, classLoader);
			for (String name : beanFactory.getBeanNamesForType(type, true, false)) {
				if (!definedBySpringBoot(beanFactory, name)) {
					return ClassUtils.getShortName(type) + " bean '" + name + "'";
				}
			}
		}
		return null;
	}

	private static boolean definedBySpringBoot(ConfigurableListableBeanFactory beanFactory, String name) {
		if (!beanFactory.containsBeanDefinition(name)) {
			// A singleton registered as it is: the application's.
			return false;
		}
		// Boot defines them with @Bean methods of its auto-configurations: where the
		// method is declared says who defined the bean, not the bean's class.
		BeanDefinition definition = beanFactory.getBeanDefinition(name);
		String origin = null;
		MethodMetadata factoryMethod = (definition instanceof AnnotatedBeanDefinition annotated)
				? annotated.getFactoryMethodMetadata() : null;
		String factoryBean = definition.getFactoryBeanName();
		if (factoryMethod != null) {
			origin = factoryMethod.getDeclaringClassName();
		}
		else if (factoryBean != null && beanFactory.containsBeanDefinition(factoryBean)) {
			origin = beanFactory.getBeanDefinition(factoryBean).getBeanClassName();
		}
		return origin != null && origin.startsWith(SPRING_BOOT);
	}

	/**
	 * Matches when the application defines its own HTTP connector.
	 */
	static final class Defined extends ApplicationHttpConnectorCondition {

		Defined() {
			super(true);
		}

	}

	/**
	 * Matches when the HTTP connector is Spring Boot's.
	 */
	static final class NotDefined extends ApplicationHttpConnectorCondition {

		NotDefined() {
			super(false);
		}

	}

}
