package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by the MCP clients.
 *
 * @param name the name the clients give in {@code initialize}
 * @param version the version the clients give in {@code initialize}
 * @param requestTimeout how long a request waits for its response
 * @param initializeTimeout how long {@code initialize} may take
 * @param lazy whether sessions are initialized on first use rather than at start-up
 */
public record McpClientSettings(String name, String version, Duration requestTimeout, Duration initializeTimeout,
		boolean lazy) {

	/**
	 * Create settings.
	 * @param name the client name
	 * @param version the client version
	 * @param requestTimeout the request timeout
	 * @param initializeTimeout the initialize timeout
	 * @param lazy whether initialization waits for first use
	 */
	public McpClientSettings {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(version, "version");
		Objects.requireNonNull(requestTimeout, "requestTimeout");
		Objects.requireNonNull(initializeTimeout, "initializeTimeout");
	}

}
