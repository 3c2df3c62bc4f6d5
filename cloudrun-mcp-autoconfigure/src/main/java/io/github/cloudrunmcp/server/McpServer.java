package io.github.cloudrunmcp.server;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import org.jspecify.annotations.Nullable;

/**
 * One MCP server, its settings resolved (named servers inherit what they do not set) and
 * validated.
 *
 * @param name the server's name: {@value #DEFAULT_NAME} for
 * {@code cloudrun.mcp.base-url}, the map key for {@code cloudrun.mcp.servers.<name>}
 * @param baseUrl the server's base URL, without a trailing slash
 * @param audience the audience of its ID tokens
 * @param auth how requests authenticate
 * @param eventsPath the path of the server's event stream, relative to the base URL
 * @param transport how the application talks to the server
 * @param mcpPath the path of the server's MCP endpoint, relative to the base URL
 * @param failFast whether start-up fails when the server cannot be initialized
 */
public record McpServer(String name, URI baseUrl, String audience, Auth auth, String eventsPath,
		McpTransportType transport, String mcpPath, boolean failFast) {

	/** Default path of an MCP endpoint. */
	public static final String DEFAULT_MCP_PATH = "/mcp";

	/** Name of the server configured at the top level of {@code cloudrun.mcp}. */
	public static final String DEFAULT_NAME = "default";

	/**
	 * Create a server.
	 * @param name the server's name
	 * @param baseUrl the base URL
	 * @param audience the token audience
	 * @param auth the authentication settings
	 * @param eventsPath the path of the event stream
	 * @param transport how the application talks to the server
	 * @param mcpPath the path of the MCP endpoint
	 * @param failFast whether start-up fails when the server cannot be initialized
	 */
	public McpServer {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(baseUrl, "baseUrl");
		Objects.requireNonNull(audience, "audience");
		Objects.requireNonNull(auth, "auth");
		Objects.requireNonNull(eventsPath, "eventsPath");
		Objects.requireNonNull(transport, "transport");
		Objects.requireNonNull(mcpPath, "mcpPath");
	}

	/**
	 * Create a server that sends a plain event stream.
	 * @param name the server's name
	 * @param baseUrl the base URL
	 * @param audience the token audience
	 * @param auth the authentication settings
	 * @param eventsPath the path of the event stream
	 */
	public McpServer(String name, URI baseUrl, String audience, Auth auth, String eventsPath) {
		this(name, baseUrl, audience, auth, eventsPath, McpTransportType.EVENTS, DEFAULT_MCP_PATH, false);
	}

	/**
	 * Return the URL of the server's MCP endpoint: the base URL followed by the MCP path.
	 * @return the URL
	 */
	public URI mcpUrl() {
		return URI.create(this.baseUrl + this.mcpPath);
	}

	/**
	 * Return whether the application talks to the server with the Model Context Protocol.
	 * @return whether the transport is streamable HTTP
	 */
	public boolean speaksMcp() {
		return this.transport == McpTransportType.STREAMABLE_HTTP;
	}

	/**
	 * Return the URL of the server's event stream: the base URL followed by the events
	 * path.
	 * @return the URL
	 */
	public URI eventsUrl() {
		return URI.create(this.baseUrl + this.eventsPath);
	}

	/**
	 * Return the origin of the base URL: scheme, host and port.
	 * @return the origin
	 */
	public URI origin() {
		return URI.create(this.baseUrl.getScheme() + "://" + this.baseUrl.getRawAuthority());
	}

	/**
	 * Return whether requests to this server carry an ID token: the mode is
	 * {@code google}, or {@code auto} and the host is not a loopback address.
	 * @return whether tokens are attached
	 */
	public boolean sendsToken() {
		return switch (this.auth.mode()) {
			case GOOGLE -> true;
			case NONE -> false;
			case AUTO -> !isLoopback(this.baseUrl.getHost());
		};
	}

	/**
	 * Return whether a host name is a loopback address ({@code localhost},
	 * {@code 127.x.x.x}, {@code [::1]}).
	 * @param host the host
	 * @return whether it is loopback
	 */
	public static boolean isLoopback(@Nullable String host) {
		if (host == null) {
			return false;
		}
		String h = host.toLowerCase(java.util.Locale.ROOT);
		return h.equals("localhost") || h.endsWith(".localhost") || h.startsWith("127.") || h.equals("[::1]")
				|| h.equals("::1");
	}

	/**
	 * How requests to a server authenticate.
	 *
	 * @param mode whether ID tokens are sent
	 * @param header the header that carries the token
	 * @param refreshBeforeExpiry how long before expiry a token is replaced
	 * @param credentialsLocation a credentials JSON (Spring resource location), or
	 * {@code null} for the application's default credentials
	 */
	public record Auth(AuthMode mode, TokenHeader header, Duration refreshBeforeExpiry,
			@Nullable String credentialsLocation) {

		/**
		 * Create the settings.
		 * @param mode whether ID tokens are sent
		 * @param header the header that carries the token
		 * @param refreshBeforeExpiry how long before expiry a token is replaced
		 * @param credentialsLocation a credentials JSON location, or {@code null}
		 */
		public Auth {
			Objects.requireNonNull(mode, "mode");
			Objects.requireNonNull(header, "header");
			Objects.requireNonNull(refreshBeforeExpiry, "refreshBeforeExpiry");
		}

	}

}
