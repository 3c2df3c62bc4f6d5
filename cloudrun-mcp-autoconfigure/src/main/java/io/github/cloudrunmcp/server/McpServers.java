package io.github.cloudrunmcp.server;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The MCP servers an application is configured for, by name.
 */
public final class McpServers {

	private final Map<String, McpServer> byName;

	/**
	 * Create the registry.
	 * @param servers the servers, with unique names
	 */
	public McpServers(List<McpServer> servers) {
		Map<String, McpServer> map = new LinkedHashMap<>();
		for (McpServer server : servers) {
			if (map.putIfAbsent(server.name(), server) != null) {
				throw new IllegalArgumentException("Duplicate MCP server name '" + server.name() + "'");
			}
		}
		this.byName = map;
	}

	/**
	 * Return every server, the default one first.
	 * @return the servers
	 */
	public Collection<McpServer> all() {
		return this.byName.values();
	}

	/**
	 * Return a server by name.
	 * @param name the name ({@value McpServer#DEFAULT_NAME} for the top-level one)
	 * @return the server, if configured
	 */
	public Optional<McpServer> find(String name) {
		return Optional.ofNullable(this.byName.get(name));
	}

	/**
	 * Return a server by name, failing with a message that lists the known names.
	 * @param name the name
	 * @return the server
	 * @throws IllegalArgumentException if there is no such server
	 */
	public McpServer get(String name) {
		McpServer server = this.byName.get(name);
		if (server == null) {
			throw new IllegalArgumentException(
					"No MCP server named '" + name + "'; configured servers: " + this.byName.keySet());
		}
		return server;
	}

	@Override
	public String toString() {
		return "McpServers" + this.byName.keySet();
	}

}
