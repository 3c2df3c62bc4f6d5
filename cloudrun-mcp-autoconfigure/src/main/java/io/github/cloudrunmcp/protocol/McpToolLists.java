package io.github.cloudrunmcp.protocol;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import io.github.cloudrunmcp.stream.McpEvent;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationListener;

/**
 * The tool list of each MCP server, whichever revision it speaks: listed through its
 * {@link McpOperations} when first asked for, and kept until the server says that it
 * changed ({@code notifications/tools/list_changed}, in either revision) or its listen
 * stream was reopened ({@value McpListenStream#RESYNC_TYPE}), after which the next ask
 * lists again.
 *
 * <p>
 * A listing that fails is not kept. Concurrent asks share one listing. Invalidation
 * arrives with the server's events, so a server whose event stream is off
 * ({@code stream.enabled=false}) keeps its first list.
 *
 * <p>
 * A 2026-07-28 server's listen stream lists the tools itself when told of a change,
 * before it delivers the change's event ({@link #refreshed(McpEvent, List)}): that very
 * event then leaves the list as it is, so that a change costs one listing. Any other
 * change event (one whose refresh failed, or a copy of it from elsewhere) forgets the
 * list, whatever events were refreshed for before it or never delivered (dropped by the
 * stream's overflow policy, or cut off by a stop).
 */
public final class McpToolLists implements ApplicationListener<McpEvent> {

	private static final String TOOLS_CHANGED = "notifications/tools/list_changed";

	/**
	 * Change events kept per server while on their way: more would be events that never
	 * arrive (a stream that drops), forgotten oldest first.
	 */
	private static final int REFRESHED_EVENTS = 16;

	private final Map<String, Mono<List<McpSchema.Tool>>> lists = new ConcurrentHashMap<>();

	/** By server, the change events whose listing the kept list already is. */
	private final Map<String, Deque<McpEvent>> refreshedFor = new ConcurrentHashMap<>();

	/**
	 * Return a server's tools: the list kept, or a new listing.
	 * @param server the server's operations
	 * @return its tools
	 */
	public Mono<List<McpSchema.Tool>> tools(McpOperations server) {
		return Mono.defer(() -> this.lists.computeIfAbsent(server.server(), (name) -> listing(server)));
	}

	private Mono<List<McpSchema.Tool>> listing(McpOperations server) {
		AtomicReference<Mono<List<McpSchema.Tool>>> self = new AtomicReference<>();
		// Kept until invalidated; a failure is forgotten at once, so the next ask lists
		// again.
		Mono<List<McpSchema.Tool>> listing = server.listTools()
			.map(List::copyOf)
			.doOnError((ex) -> this.lists.remove(server.server(), self.get()))
			.cache();
		self.set(listing);
		return listing;
	}

	/**
	 * Keep the list that a server's listen stream listed after a change or a resync,
	 * before it delivers the event that announces it: that event then leaves the list as
	 * it is, so that a change costs one listing.
	 * @param change the {@code notifications/tools/list_changed} or
	 * {@value McpListenStream#RESYNC_TYPE} event the listing was for
	 * @param tools the server's tools
	 */
	public void refreshed(McpEvent change, List<McpSchema.Tool> tools) {
		String server = change.server();
		this.lists.put(server, Mono.just(List.copyOf(tools)));
		Deque<McpEvent> events = this.refreshedFor.computeIfAbsent(server, (key) -> new ArrayDeque<>());
		synchronized (events) {
			events.addLast(change);
			if (events.size() > REFRESHED_EVENTS) {
				events.removeFirst();
			}
		}
	}

	/**
	 * Forget the list kept of a server, so that the next ask lists again.
	 * @param server the server's name
	 */
	public void forget(String server) {
		this.lists.remove(server);
	}

	@Override
	public void onApplicationEvent(McpEvent event) {
		if ((TOOLS_CHANGED.equals(event.type()) || McpListenStream.RESYNC_TYPE.equals(event.type()))
				&& !wasRefreshedFor(event)) {
			forget(event.server());
		}
	}

	private boolean wasRefreshedFor(McpEvent event) {
		Deque<McpEvent> events = this.refreshedFor.get(event.server());
		if (events == null) {
			return false;
		}
		synchronized (events) {
			// The very event, not an equal one: a copy may come from a stream that did
			// not list.
			for (Iterator<McpEvent> iterator = events.iterator(); iterator.hasNext();) {
				if (iterator.next() == event) {
					iterator.remove();
					return true;
				}
			}
		}
		return false;
	}

}
