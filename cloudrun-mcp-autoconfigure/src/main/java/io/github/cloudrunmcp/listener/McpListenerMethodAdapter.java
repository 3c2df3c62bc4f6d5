package io.github.cloudrunmcp.listener;

import java.lang.reflect.Method;
import java.util.Set;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventPayloadException;
import io.github.cloudrunmcp.text.PrintableText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.ApplicationListenerMethodAdapter;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * {@link ApplicationListenerMethodAdapter} for {@link McpListener @McpListener} methods:
 * it accepts only {@link McpEvent}s of the listener's types, server and resources, maps
 * the event to the method's parameter, and logs (rather than propagates) what the method
 * throws.
 */
public class McpListenerMethodAdapter extends ApplicationListenerMethodAdapter {

	private static final Log logger = LogFactory.getLog(McpListenerMethodAdapter.class);

	private static final String RESOURCE_UPDATED = "notifications/resources/updated";

	private final Set<String> types;

	private final String server;

	private final Set<String> resources;

	private final @Nullable Class<?> payloadType;

	private final String description;

	/**
	 * Create an adapter.
	 * @param beanName the name of the bean that declares the method
	 * @param targetClass the bean's class
	 * @param method the listener method
	 */
	public McpListenerMethodAdapter(String beanName, Class<?> targetClass, Method method) {
		super(beanName, targetClass, method);
		McpListener annotation = AnnotatedElementUtils.findMergedAnnotation(method, McpListener.class);
		if (annotation == null) {
			throw new IllegalStateException("No @McpListener annotation found on " + method);
		}
		if (method.getParameterCount() > 1) {
			throw new IllegalStateException("@McpListener method " + method
					+ " takes at most one parameter: an McpEvent, a String, a JsonNode or a type its JSON maps to.");
		}
		this.resources = Set.of(annotation.resources());
		this.types = (annotation.types().length == 0 && !this.resources.isEmpty()) ? Set.of(RESOURCE_UPDATED)
				: Set.of(annotation.types());
		this.server = annotation.server();
		this.payloadType = (method.getParameterCount() == 1) ? method.getParameterTypes()[0] : null;
		this.description = targetClass.getSimpleName() + "." + method.getName();
	}

	@Override
	public boolean supportsEventType(ResolvableType eventType) {
		return McpEvent.class.isAssignableFrom(eventType.toClass());
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (!(event instanceof McpEvent mcpEvent) || !accepts(mcpEvent)) {
			return;
		}
		try {
			super.onApplicationEvent(event);
		}
		catch (RuntimeException | Error ex) {
			McpListenerOutcome.listenerFailed();
			logger.error("@McpListener " + this.description + " failed for event id '" + PrintableText.of(mcpEvent.id())
					+ "' of type '" + PrintableText.of(mcpEvent.type()) + "' from server '" + mcpEvent.server()
					+ "'; the stream goes on.", ex);
		}
	}

	/**
	 * Return whether the listener wants the event: its server and type match, and a
	 * resource update is of one of its resources, if it names any.
	 * @param event the event
	 * @return whether to invoke the method
	 */
	protected boolean accepts(McpEvent event) {
		return (this.server.isEmpty() || this.server.equals(event.server()))
				&& (this.types.isEmpty() || this.types.contains(event.type())) && (this.resources.isEmpty()
						|| !RESOURCE_UPDATED.equals(event.type()) || this.resources.contains(uri(event)));
	}

	private static String uri(McpEvent event) {
		try {
			return event.json().path("params").path("uri").asString("");
		}
		catch (McpEventPayloadException ex) {
			return "";
		}
	}

	@Override
	protected Object @Nullable [] resolveArguments(ApplicationEvent event) {
		if (this.payloadType == null) {
			return new Object[0];
		}
		return new Object[] { ((McpEvent) event).as(this.payloadType) };
	}

}
