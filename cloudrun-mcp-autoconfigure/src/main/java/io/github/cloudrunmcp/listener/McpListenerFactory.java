package io.github.cloudrunmcp.listener;

import java.lang.reflect.Method;
import java.util.List;

import io.github.cloudrunmcp.server.McpResourceSubscriptions;

import org.springframework.context.ApplicationListener;
import org.springframework.context.event.EventListenerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * {@link EventListenerFactory} that turns {@link McpListener @McpListener} methods into
 * {@link McpListenerMethodAdapter}s. Ordered before Spring's default factory, which would
 * otherwise claim them as plain {@code @EventListener} methods.
 */
public class McpListenerFactory implements EventListenerFactory, Ordered {

	private final McpResourceSubscriptions resourceSubscriptions = new McpResourceSubscriptions();

	private int order = 100;

	@Override
	public int getOrder() {
		return this.order;
	}

	/**
	 * Set the order among listener factories.
	 * @param order the order
	 */
	public void setOrder(int order) {
		this.order = order;
	}

	@Override
	public boolean supportsMethod(Method method) {
		return AnnotatedElementUtils.hasAnnotation(method, McpListener.class);
	}

	@Override
	public ApplicationListener<?> createApplicationListener(String beanName, Class<?> type, Method method) {
		McpListener annotation = AnnotatedElementUtils.findMergedAnnotation(method, McpListener.class);
		if (annotation != null) {
			this.resourceSubscriptions.add(
					annotation.server().isEmpty() ? McpResourceSubscriptions.EVERY_SERVER : annotation.server(),
					List.of(annotation.resources()));
		}
		return new McpListenerMethodAdapter(beanName, type, method);
	}

	/**
	 * Return the resources that the listener methods created so far subscribe to
	 * ({@link McpListener#resources()}): all of them once the context's singletons are
	 * instantiated, before the streams start.
	 * @return the subscriptions
	 */
	public McpResourceSubscriptions resourceSubscriptions() {
		return this.resourceSubscriptions;
	}

}
