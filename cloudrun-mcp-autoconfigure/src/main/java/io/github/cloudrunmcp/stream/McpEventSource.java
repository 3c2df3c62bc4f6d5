package io.github.cloudrunmcp.stream;

import reactor.core.publisher.Flux;

/**
 * Events that reach an {@link McpEventStream} from a connection the stream does not open
 * itself: the notifications and requests of an MCP session, for example.
 *
 * <p>
 * The stream subscribes to both fluxes when it starts and cancels them when it stops; it
 * delivers the events exactly as it delivers those it reads itself (the same dispatch
 * thread, buffer and overflow policy) and reports the source's statuses as its own.
 */
public interface McpEventSource {

	/**
	 * Return the source's events: hot, in arrival order.
	 * @return the events
	 */
	Flux<McpEvent> events();

	/**
	 * Return the status changes of the source's connection, starting with the current
	 * status.
	 * @return the statuses
	 */
	Flux<McpStreamStatus> statusChanges();

}
