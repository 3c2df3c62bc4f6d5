package io.github.cloudrunmcp.protocol;

import java.util.List;
import java.util.Map;
import java.util.Set;
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
 */
public final class McpToolLists implements ApplicationListener<McpEvent> {

	private static final String TOOLS_CHANGED = "notifications/tools/list_changed";

	private final Map<String, Mono<List<McpSchema.Tool>>> lists = new ConcurrentHashMap<>();

	/** Servers whose list was refreshed for the change event that is on its way. */
	private final Set<String> refreshed = ConcurrentHashMap.newKeySet();

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
	 * before it delivers the event: that event then leaves the list as it is, so that a
	 * change costs one listing.
	 * @param server the server's name
	 * @param tools its tools
	 */
	public void refreshed(String server, List<McpSchema.Tool> tools) {
		this.lists.put(server, Mono.just(List.copyOf(tools)));
		this.refreshed.add(server);
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
		if (TOOLS_CHANGED.equals(event.type()) || McpListenStream.RESYNC_TYPE.equals(event.type())) {
			if (!this.refreshed.remove(event.server())) {
				forget(event.server());
			}
		}
	}

}
