package io.github.cloudrunmcp.server;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources whose updates ({@code notifications/resources/updated}) the application
 * subscribes to, per server: from configuration and from
 * {@code @McpListener(resources = ...)} methods. A 2026-07-28 server's listen stream asks
 * for them when it opens.
 */
public final class McpResourceSubscriptions {

	/** Key of the URIs subscribed to on every server. */
	public static final String EVERY_SERVER = "";

	private final Map<String, Set<String>> uris = new ConcurrentHashMap<>();

	/**
	 * Subscribe to resources of a server.
	 * @param server the server's name, or {@link #EVERY_SERVER}
	 * @param resourceUris the resources' URIs; blank ones are ignored
	 * @return this registry
	 */
	public McpResourceSubscriptions add(String server, Collection<String> resourceUris) {
		Objects.requireNonNull(server, "server");
		for (String uri : resourceUris) {
			if (uri != null && !uri.isBlank()) {
				this.uris.computeIfAbsent(server, (key) -> ConcurrentHashMap.newKeySet()).add(uri.strip());
			}
		}
		return this;
	}

	/**
	 * Return the URIs subscribed to on a server, those of every server included, sorted.
	 * @param server the server's name
	 * @return the URIs
	 */
	public List<String> uris(String server) {
		Set<String> all = new LinkedHashSet<>(this.uris.getOrDefault(EVERY_SERVER, Set.of()));
		all.addAll(this.uris.getOrDefault(server, Set.of()));
		return all.stream().sorted().toList();
	}

}
