package io.github.cloudrunmcp.server;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
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
 * @param revision the MCP revision spoken with a streamable-http server
 */
public record McpServer(String name, URI baseUrl, String audience, Auth auth, String eventsPath,
		McpTransportType transport, String mcpPath, boolean failFast, McpRevision revision) {

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
	 * @param revision the MCP revision
	 */
	public McpServer {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(baseUrl, "baseUrl");
		Objects.requireNonNull(audience, "audience");
		Objects.requireNonNull(auth, "auth");
		Objects.requireNonNull(eventsPath, "eventsPath");
		Objects.requireNonNull(transport, "transport");
		Objects.requireNonNull(mcpPath, "mcpPath");
		Objects.requireNonNull(revision, "revision");
	}

	/**
	 * Create a server whose MCP revision, when it speaks MCP, is negotiated
	 * ({@link McpRevision#AUTO}).
	 * @param name the server's name
	 * @param baseUrl the base URL
	 * @param audience the token audience
	 * @param auth the authentication settings
	 * @param eventsPath the path of the event stream
	 * @param transport how the application talks to the server
	 * @param mcpPath the path of the MCP endpoint
	 * @param failFast whether start-up fails when the server cannot be initialized
	 */
	public McpServer(String name, URI baseUrl, String audience, Auth auth, String eventsPath,
			McpTransportType transport, String mcpPath, boolean failFast) {
		this(name, baseUrl, audience, auth, eventsPath, transport, mcpPath, failFast, McpRevision.AUTO);
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
	 * Return whether a URL's host is a loopback address: the name {@code localhost}, an
	 * IPv4 literal in {@code 127.0.0.0/8} written as four decimal numbers, or an IPv6
	 * literal for the loopback address ({@code [::1]}). The check never resolves a name:
	 * {@code 127.evil.example} is a host name that DNS may point anywhere, so it is not
	 * loopback, nor is {@code app.localhost}.
	 * @param host the host as {@link URI#getHost()} returns it
	 * @return whether it is loopback
	 */
	public static boolean isLoopback(@Nullable String host) {
		if (host == null || host.isEmpty()) {
			return false;
		}
		if (host.equalsIgnoreCase("localhost")) {
			return true;
		}
		if (host.indexOf(':') >= 0) {
			return isIpv6Loopback(host);
		}
		return isIpv4Loopback(host);
	}

	private static boolean isIpv4Loopback(String host) {
		String[] parts = host.split("\\.", -1);
		if (parts.length != 4 || !parts[0].equals("127")) {
			return false;
		}
		for (String part : parts) {
			// Decimal only, without leading zeros: other spellings are read as octal or
			// as
			// names by some resolvers.
			if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
				return false;
			}
			for (int i = 0; i < part.length(); i++) {
				if (part.charAt(i) < '0' || part.charAt(i) > '9') {
					return false;
				}
			}
			if (Integer.parseInt(part) > 255) {
				return false;
			}
		}
		return true;
	}

	private static boolean isIpv6Loopback(String host) {
		String literal = (host.startsWith("[") && host.endsWith("]")) ? host.substring(1, host.length() - 1) : host;
		for (int i = 0; i < literal.length(); i++) {
			char c = literal.charAt(i);
			// Hex digits, colons and the dots of an embedded IPv4 address; anything else
			// (a zone id, a name) is not a plain loopback literal.
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
				return false;
			}
		}
		try {
			// A string of only these characters is parsed as a literal, never resolved.
			return InetAddress.getByName("[" + literal + "]").isLoopbackAddress();
		}
		catch (UnknownHostException ex) {
			return false;
		}
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
