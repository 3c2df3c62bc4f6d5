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
 * @param maxInputRounds how many times a 2026-07-28 call may come back
 * {@code input_required} before it fails
 */
public record McpClientSettings(String name, String version, Duration requestTimeout, Duration initializeTimeout,
		boolean lazy, int maxInputRounds) {

	/**
	 * Create settings with the SDK's bound on input rounds.
	 * @param name the client name
	 * @param version the client version
	 * @param requestTimeout the request timeout
	 * @param initializeTimeout the initialize timeout
	 * @param lazy whether initialization waits for first use
	 */
	public McpClientSettings(String name, String version, Duration requestTimeout, Duration initializeTimeout,
			boolean lazy) {
		this(name, version, requestTimeout, initializeTimeout, lazy,
				io.modelcontextprotocol.modern.client.McpClient.DEFAULT_MAX_INPUT_ROUNDS);
	}

	/**
	 * Create settings.
	 * @param name the client name
	 * @param version the client version
	 * @param requestTimeout the request timeout
	 * @param initializeTimeout the initialize timeout
	 * @param lazy whether initialization waits for first use
	 * @param maxInputRounds the bound on input rounds of a call
	 */
	public McpClientSettings {
		if (maxInputRounds < 1) {
			throw new IllegalArgumentException(
					"cloudrun.mcp.client.max-input-rounds must be at least 1, got " + maxInputRounds);
		}
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(version, "version");
		Objects.requireNonNull(requestTimeout, "requestTimeout");
		Objects.requireNonNull(initializeTimeout, "initializeTimeout");
	}

}
