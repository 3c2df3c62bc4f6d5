package io.github.cloudrunmcp.listener;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.github.cloudrunmcp.stream.McpEvent;

import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.AliasFor;

/**
 * Marks a method that receives {@link McpEvent}s from MCP servers.
 *
 * <p>
 * The method takes no parameter or one: an {@link McpEvent}, a {@code String} (the raw
 * data), a {@code JsonNode}, or any type the event's JSON data maps to with Jackson. It
 * runs on a dispatch thread, one event of a server at a time, in arrival order; an
 * exception it throws is logged with the event's id and stops neither the stream nor
 * other listeners. Being an {@link EventListener}, it honours {@code @Order}, works on
 * proxied beans and can be used as a meta-annotation.
 *
 * <pre class="code">
 * &#64;McpListener("model.response")
 * void onResponse(McpEvent event) { ... }
 *
 * &#64;McpListener(value = "notifications/progress", server = "search")
 * void onProgress(ProgressPayload progress) { ... }
 *
 * &#64;McpListener(server = "docs", resources = "file:///handbook.md")
 * void onHandbookChanged(McpEvent event) { ... }
 * </pre>
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@EventListener(McpEvent.class)
public @interface McpListener {

	/**
	 * Alias for {@link #types()}.
	 * @return the event types
	 */
	@AliasFor("types")
	String[] value() default {};

	/**
	 * The event types to receive ({@link McpEvent#type()}); none means all.
	 * @return the event types
	 */
	@AliasFor("value")
	String[] types() default {};

	/**
	 * The name of the server to receive from ({@code default} for
	 * {@code cloudrun.mcp.base-url}); empty means every server.
	 * @return the server name
	 */
	String server() default "";

	/**
	 * URIs of resources whose updates the listener subscribes to: the listen stream of
	 * the {@linkplain #server() server} (of every 2026-07-28 server when none is named)
	 * asks for them, and the listener receives {@code notifications/resources/updated}
	 * only for these URIs. Without {@link #types()}, the listener receives only those
	 * updates.
	 *
	 * <pre class="code">
	 * &#64;McpListener(server = "docs", resources = "file:///handbook.md")
	 * void onHandbookChanged(McpEvent event) { ... }
	 * </pre>
	 * @return the resources' URIs
	 */
	String[] resources() default {};

	/**
	 * A SpEL condition, as for {@link EventListener#condition()}: {@code #root.event} is
	 * the {@link McpEvent} and {@code #root.args[0]} (or the parameter's name) the mapped
	 * payload.
	 * @return the condition
	 */
	@AliasFor(annotation = EventListener.class, attribute = "condition")
	String condition() default "";

	/**
	 * The listener's id, as for {@link EventListener#id()}.
	 * @return the id
	 */
	@AliasFor(annotation = EventListener.class, attribute = "id")
	String id() default "";

}
