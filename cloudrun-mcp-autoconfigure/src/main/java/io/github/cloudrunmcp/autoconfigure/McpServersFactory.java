package io.github.cloudrunmcp.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.cloudrunmcp.auth.TokenRoute;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpConfigurationException;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Turns {@link CloudRunMcpProperties} into validated {@link McpServers}: named servers
 * inherit what they do not set, and every error names the property, its value and the
 * fix.
 */
final class McpServersFactory {

	private static final String PREFIX = "cloudrun.mcp.";

	private final ResourceLoader resourceLoader;

	McpServersFactory(ResourceLoader resourceLoader) {
		this.resourceLoader = resourceLoader;
	}

	McpServers create(CloudRunMcpProperties properties) {
		List<McpServer> servers = new ArrayList<>();
		CloudRunMcpProperties.Auth auth = properties.getAuth();
		McpServer.Auth topAuth = new McpServer.Auth(auth.getMode(), auth.getHeader(),
				refreshBeforeExpiry(PREFIX + "auth.refresh-before-expiry", auth.getRefreshBeforeExpiry()),
				credentialsLocation(PREFIX + "auth.credentials-location", auth.getCredentialsLocation()));
		if (properties.getBaseUrl() != null) {
			servers.add(server(McpServer.DEFAULT_NAME, PREFIX, properties.getBaseUrl(), properties.getAudience(),
					topAuth, eventsPath(PREFIX + "events-path", properties.getEventsPath()), properties.getTransport(),
					path(PREFIX + "mcp-path", properties.getMcpPath()), properties.isFailFast(),
					revision(PREFIX + "revision", properties.getRevision())));
		}
		else if (properties.getServers().isEmpty()) {
			throw new McpConfigurationException(PREFIX + "base-url", "cloudrun.mcp.base-url is not set.",
					"Set it to the URL of your MCP server, such as https://my-mcp-server-abc123-uc.a.run.app, "
							+ "or configure named servers under cloudrun.mcp.servers.<name>.base-url, "
							+ "or set cloudrun.mcp.enabled=false.");
		}
		for (Map.Entry<String, CloudRunMcpProperties.Server> entry : properties.getServers().entrySet()) {
			String name = entry.getKey();
			String prefix = PREFIX + "servers." + name + ".";
			if (McpServer.DEFAULT_NAME.equals(name)) {
				throw new McpConfigurationException(prefix + "base-url",
						"The server name '" + McpServer.DEFAULT_NAME + "' is reserved for cloudrun.mcp.base-url.",
						"Configure the default server at the top level (cloudrun.mcp.base-url) or pick another name.");
			}
			CloudRunMcpProperties.Server server = entry.getValue();
			if (server.getBaseUrl() == null) {
				throw new McpConfigurationException(prefix + "base-url", prefix + "base-url is not set.",
						"Set it to the URL of the '" + name + "' MCP server, or remove cloudrun.mcp.servers." + name
								+ ".");
			}
			CloudRunMcpProperties.ServerAuth own = server.getAuth();
			McpServer.Auth inherited = new McpServer.Auth(orElse(own.getMode(), topAuth.mode()),
					orElse(own.getHeader(), topAuth.header()),
					(own.getRefreshBeforeExpiry() != null)
							? refreshBeforeExpiry(prefix + "auth.refresh-before-expiry", own.getRefreshBeforeExpiry())
							: topAuth.refreshBeforeExpiry(),
					(own.getCredentialsLocation() != null)
							? credentialsLocation(prefix + "auth.credentials-location", own.getCredentialsLocation())
							: topAuth.credentialsLocation());
			String eventsPath = (server.getEventsPath() != null)
					? eventsPath(prefix + "events-path", server.getEventsPath())
					: eventsPath(PREFIX + "events-path", properties.getEventsPath());
			String mcpPath = (server.getMcpPath() != null) ? path(prefix + "mcp-path", server.getMcpPath())
					: path(PREFIX + "mcp-path", properties.getMcpPath());
			servers.add(server(name, prefix, server.getBaseUrl(), server.getAudience(), inherited, eventsPath,
					orElse(server.getTransport(), properties.getTransport()), mcpPath,
					orElse(server.getFailFast(), properties.isFailFast()),
					(server.getRevision() != null) ? revision(prefix + "revision", server.getRevision())
							: revision(PREFIX + "revision", properties.getRevision())));
		}
		checkSharedOrigins(servers);
		return new McpServers(servers);
	}

	private static McpRevision revision(String property, String text) {
		try {
			return McpRevision.of(text);
		}
		catch (IllegalArgumentException ex) {
			throw new McpConfigurationException(property, property + " is '" + text + "', which is no MCP revision.",
					"Set it to auto, 2025-11-25 or 2026-07-28.");
		}
	}

	private McpServer server(String name, String prefix, String baseUrlText, @Nullable String audienceText,
			McpServer.Auth auth, String eventsPath, McpTransportType transport, String mcpPath, boolean failFast,
			McpRevision revision) {
		URI baseUrl = baseUrl(prefix + "base-url", baseUrlText);
		String audience = (audienceText != null) ? audience(prefix + "audience", audienceText)
				: defaultAudience(baseUrl);
		McpServer server = new McpServer(name, baseUrl, audience, auth, eventsPath, transport, mcpPath, failFast,
				revision);
		if (server.sendsToken() && "http".equals(baseUrl.getScheme()) && !McpServer.isLoopback(baseUrl.getHost())) {
			throw new McpConfigurationException(prefix + "base-url",
					prefix + "base-url '" + baseUrlText + "' is plain http to a non-loopback host while auth mode is '"
							+ auth.mode().name().toLowerCase(Locale.ROOT)
							+ "', so the ID token would travel in clear text.",
					"Use an https URL, or set " + prefix + "auth.mode=none if the server needs no token.");
		}
		return server;
	}

	private static URI baseUrl(String property, String text) {
		URI uri = parse(text);
		if (uri == null || !uri.isAbsolute() || uri.getHost() == null || !isHttp(uri.getScheme())
				|| uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
			throw new McpConfigurationException(
					property, property + " must be an absolute http(s) URL without query, fragment or user info, got '"
							+ text + "'.",
					"Set it to the server's URL, such as https://my-mcp-server-abc123-uc.a.run.app.");
		}
		String normalized = uri.toString();
		while (normalized.endsWith("/")) {
			normalized = normalized.substring(0, normalized.length() - 1);
		}
		return URI.create(normalized);
	}

	private static String eventsPath(String property, String path) {
		URI uri = parse(path);
		if (!path.startsWith("/") || uri == null || uri.getRawFragment() != null) {
			throw new McpConfigurationException(property,
					property + " must be a path starting with '/', got '" + path + "'.",
					"Set it to the path of the server's event stream, such as /events.");
		}
		return path;
	}

	private static String path(String property, String path) {
		URI uri = parse(path);
		if (!path.startsWith("/") || uri == null || uri.getRawFragment() != null || uri.getRawQuery() != null) {
			throw new McpConfigurationException(property,
					property + " must be a path starting with '/', got '" + path + "'.",
					"Set it to the path of the server's MCP endpoint, such as /mcp.");
		}
		return path;
	}

	static StreamSettings streamSettings(CloudRunMcpProperties.Stream stream) {
		String prefix = PREFIX + "stream.";
		if (stream.getBuffer() < 1) {
			throw new McpConfigurationException(prefix + "buffer",
					prefix + "buffer must be at least 1, got " + stream.getBuffer() + ".",
					"Set it to how many events may wait for slow consumers; the default is 32.");
		}
		long maxEventSize = stream.getMaxEventSize().toBytes();
		if (maxEventSize < 1 || maxEventSize > Integer.MAX_VALUE - 16) {
			throw new McpConfigurationException(prefix + "max-event-size",
					prefix + "max-event-size must be between 1B " + "and 2GB, got " + stream.getMaxEventSize() + ".",
					"The default is 1MB.");
		}
		positive(prefix + "read-timeout", stream.getReadTimeout());
		positive(prefix + "response-timeout", stream.getResponseTimeout());
		if (stream.getShutdownGrace().isNegative()) {
			throw new McpConfigurationException(prefix + "shutdown-grace",
					prefix + "shutdown-grace must not be " + "negative, got " + stream.getShutdownGrace() + ".",
					"The default is 5s, within Cloud Run's 10s.");
		}
		CloudRunMcpProperties.Reconnect reconnect = stream.getReconnect();
		positive(prefix + "reconnect.initial-delay", reconnect.getInitialDelay());
		positive(prefix + "reconnect.max-delay", reconnect.getMaxDelay());
		if (reconnect.getMultiplier() < 1) {
			throw new McpConfigurationException(prefix + "reconnect.multiplier",
					prefix + "reconnect.multiplier must be at least 1, got " + reconnect.getMultiplier() + ".",
					"The default is 2.0.");
		}
		if (reconnect.getJitter() < 0 || reconnect.getJitter() > 1) {
			throw new McpConfigurationException(prefix + "reconnect.jitter",
					prefix + "reconnect.jitter must be between 0 and 1, got " + reconnect.getJitter() + ".",
					"The default is 0.2 (each wait varies by up to 20%).");
		}
		if (reconnect.getMaxAttempts() < 0) {
			throw new McpConfigurationException(prefix + "reconnect.max-attempts",
					prefix + "reconnect.max-attempts must not be negative, got " + reconnect.getMaxAttempts() + ".",
					"Use 0 to never give up.");
		}
		return new StreamSettings(stream.getBuffer(), stream.getOverflow(), (int) maxEventSize, stream.getReadTimeout(),
				stream.getShutdownGrace(),
				new StreamSettings.Reconnect(reconnect.getInitialDelay(), reconnect.getMaxDelay(),
						reconnect.getMultiplier(), reconnect.getJitter(), reconnect.getMaxAttempts()),
				stream.getResponseTimeout());
	}

	static int dispatchThreads(CloudRunMcpProperties.Stream stream) {
		String property = PREFIX + "stream.dispatch-threads";
		if (stream.getDispatchThreads() < 1) {
			throw new McpConfigurationException(property,
					property + " must be at least 1, got " + stream.getDispatchThreads() + ".",
					"Set it to how many platform threads may deliver events at once; the default is 16.");
		}
		return stream.getDispatchThreads();
	}

	private static void positive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new McpConfigurationException(property, property + " must be positive, got " + value + ".",
					"Set a positive duration such as 1s.");
		}
	}

	private static String audience(String property, String text) {
		URI uri = parse(text);
		if (uri == null || !uri.isAbsolute() || uri.getHost() == null || !isHttp(uri.getScheme())) {
			throw new McpConfigurationException(property, property + " must be an absolute URL, got '" + text + "'.",
					"Set it to the receiving service's URL (such as https://my-mcp-server-abc123-uc.a.run.app), "
							+ "or leave it unset to use the origin of base-url.");
		}
		return text;
	}

	private static String defaultAudience(URI baseUrl) {
		String scheme = baseUrl.getScheme().toLowerCase(Locale.ROOT);
		int port = baseUrl.getPort();
		boolean defaultPort = port == -1 || ("https".equals(scheme) && port == 443)
				|| ("http".equals(scheme) && port == 80);
		return scheme + "://" + baseUrl.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
	}

	private static Duration refreshBeforeExpiry(String property, Duration value) {
		if (value.isNegative() || value.compareTo(Duration.ofMinutes(59)) > 0) {
			throw new McpConfigurationException(property, property + " must be between 0s and 59m, got " + value + ".",
					"Google ID tokens live one hour; the default, 5m, replaces a token at about 55 minutes.");
		}
		return value;
	}

	private @Nullable String credentialsLocation(String property, @Nullable String location) {
		if (location == null) {
			return null;
		}
		Resource resource = this.resourceLoader.getResource(location);
		if (!resource.exists()) {
			throw new McpConfigurationException(property,
					property + " points at '" + location + "', which does not exist.",
					"Point it at a service-account key or impersonated-credentials JSON (such as "
							+ "file:/secrets/key.json), or remove it to use application default credentials.");
		}
		return location;
	}

	private static void checkSharedOrigins(List<McpServer> servers) {
		Map<String, McpServer> byOrigin = new HashMap<>();
		for (McpServer server : servers) {
			String origin = TokenRoute.originKey(server.baseUrl());
			McpServer other = byOrigin.putIfAbsent(origin, server);
			if (other != null
					&& (!other.audience().equals(server.audience()) || other.sendsToken() != server.sendsToken()
							|| other.auth().header() != server.auth().header() || !java.util.Objects
								.equals(other.auth().credentialsLocation(), server.auth().credentialsLocation()))) {
				throw new McpConfigurationException(PREFIX + "servers." + server.name(),
						"MCP servers '" + other.name() + "' and '" + server.name() + "' share the origin " + origin
								+ " but differ in audience or auth settings, so a request to that origin is ambiguous.",
						"Give both the same audience and auth settings.");
			}
		}
	}

	private static boolean isHttp(@Nullable String scheme) {
		return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
	}

	private static @Nullable URI parse(String text) {
		try {
			return new URI(text.trim());
		}
		catch (URISyntaxException ex) {
			return null;
		}
	}

	private static <T> T orElse(@Nullable T value, T fallback) {
		return (value != null) ? value : fallback;
	}

	static AuthMode effectiveMode(McpServer server) {
		return server.sendsToken() ? server.auth().mode() : AuthMode.NONE;
	}

}
