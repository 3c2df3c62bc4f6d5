package io.github.cloudrunmcp.listener;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import io.github.cloudrunmcp.stream.McpEvent;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Registers the runtime hints of every {@link McpListener @McpListener} method of the
 * application's beans: the method itself, invoked reflectively, and the type its
 * parameter is mapped to with Jackson (with the types of that type's properties), which a
 * native image would otherwise not be able to construct.
 * <p>
 * Registered in {@code META-INF/spring/aot.factories}; it runs when the application is
 * processed ahead of time, with the bean definitions of the build.
 */
public final class McpListenerAotProcessor implements BeanFactoryInitializationAotProcessor {

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		Set<Method> methods = new LinkedHashSet<>();
		for (String beanName : beanFactory.getBeanDefinitionNames()) {
			Class<?> type = beanFactory.getType(beanName, false);
			if (type != null) {
				methods.addAll(listenerMethods(ClassUtils.getUserClass(type)));
			}
		}
		if (methods.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> registerHints(generationContext.getRuntimeHints(), methods);
	}

	/**
	 * Return the {@code @McpListener} methods of a class and its superclasses.
	 * @param type the class
	 * @return the methods
	 */
	static Set<Method> listenerMethods(Class<?> type) {
		return MethodIntrospector
			.selectMethods(type, (MethodIntrospector.MetadataLookup<Boolean>) (
					method) -> AnnotatedElementUtils.hasAnnotation(method, McpListener.class) ? Boolean.TRUE : null)
			.keySet();
	}

	/**
	 * Register the hints of listener methods.
	 * @param hints where to register them
	 * @param methods the {@code @McpListener} methods
	 */
	static void registerHints(RuntimeHints hints, Collection<Method> methods) {
		BindingReflectionHintsRegistrar bindings = new BindingReflectionHintsRegistrar();
		for (Method method : methods) {
			hints.reflection().registerMethod(method, ExecutableMode.INVOKE);
			if (method.getParameterCount() == 1 && isMapped(method.getParameterTypes()[0])) {
				bindings.registerReflectionHints(hints.reflection(), method.getGenericParameterTypes()[0]);
			}
		}
	}

	/**
	 * Whether {@link McpEvent#as(Class)} maps the JSON to the type with Jackson, rather
	 * than handing over the event, its text or its tree.
	 */
	private static boolean isMapped(Class<?> type) {
		return !(type == String.class || type == CharSequence.class || type == Object.class
				|| type.isAssignableFrom(McpEvent.class) || JsonNode.class.isAssignableFrom(type));
	}

}
