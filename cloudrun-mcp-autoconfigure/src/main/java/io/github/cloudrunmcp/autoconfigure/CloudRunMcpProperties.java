package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpDelivery;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.OverflowPolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for cloudrun-mcp: the default MCP server at the top level and
 * any number of named servers under {@code servers}.
 */
@ConfigurationProperties("cloudrun.mcp")
public class CloudRunMcpProperties {

	/**
	 * Whether to enable cloudrun-mcp.
	 */
	private boolean enabled = true;

	/**
	 * Whether an unknown cloudrun.mcp.* property fails start-up instead of being logged
	 * as a warning.
	 */
	private boolean strict;

	/**
	 * Base URL of the default MCP server, such as
	 * https://my-mcp-server-abc123-uc.a.run.app.
	 */
	private @Nullable String baseUrl;

	/**
	 * Audience of the ID tokens for the default server. Defaults to the origin of
	 * base-url (scheme, host, and port when not the default one).
	 */
	private @Nullable String audience;

	/**
	 * Path of the default server's event stream, relative to base-url.
	 */
	private String eventsPath = "/events";

	/**
	 * How to talk to the default server: 'events' for a plain Server-Sent-Events stream
	 * at events-path, 'streamable-http' for the Model Context Protocol at mcp-path.
	 */
	private McpTransportType transport = McpTransportType.EVENTS;

	/**
	 * Path of the default server's MCP endpoint, relative to base-url.
	 */
	private String mcpPath = "/mcp";

	/**
	 * Whether start-up fails when an MCP server cannot be initialized. When false, the
	 * server's status says so and the client connects when it can.
	 */
	private boolean failFast;

	/**
	 * MCP revision spoken with streamable-http servers: auto (server/discover, else the
	 * 2025-11-25 handshake), 2025-11-25 (sessions) or 2026-07-28 (stateless).
	 */
	private String revision = "auto";

	/**
	 * URIs of the default server's resources whose updates the application subscribes to
	 * (2026-07-28 listen stream, or resources/subscribe in each 2025-11-25 session),
	 * besides those of @McpListener(resources = ...).
	 */
	private List<String> resourceSubscriptions = new ArrayList<>();

	/**
	 * Which instances handle the default server's events: 'every-instance', or 'once' for
	 * one instance of the fleet through Pub/Sub (see cloudrun.mcp.fleet).
	 */
	private McpDelivery delivery = McpDelivery.EVERY_INSTANCE;

	private final Client client = new Client();

	private final Auth auth = new Auth();

	private final Stream stream = new Stream();

	private final Connections connections = new Connections();

	/**
	 * Named MCP servers. Each inherits from the top level what it does not set itself.
	 */
	private final Map<String, Server> servers = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isStrict() {
		return this.strict;
	}

	public void setStrict(boolean strict) {
		this.strict = strict;
	}

	public @Nullable String getBaseUrl() {
		return this.baseUrl;
	}

	public void setBaseUrl(@Nullable String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public @Nullable String getAudience() {
		return this.audience;
	}

	public void setAudience(@Nullable String audience) {
		this.audience = audience;
	}

	public String getEventsPath() {
		return this.eventsPath;
	}

	public void setEventsPath(String eventsPath) {
		this.eventsPath = eventsPath;
	}

	public McpTransportType getTransport() {
		return this.transport;
	}

	public void setTransport(McpTransportType transport) {
		this.transport = transport;
	}

	public String getMcpPath() {
		return this.mcpPath;
	}

	public void setMcpPath(String mcpPath) {
		this.mcpPath = mcpPath;
	}

	public boolean isFailFast() {
		return this.failFast;
	}

	public String getRevision() {
		return this.revision;
	}

	public void setRevision(String revision) {
		this.revision = revision;
	}

	public void setFailFast(boolean failFast) {
		this.failFast = failFast;
	}

	public List<String> getResourceSubscriptions() {
		return this.resourceSubscriptions;
	}

	public void setResourceSubscriptions(List<String> resourceSubscriptions) {
		this.resourceSubscriptions = resourceSubscriptions;
	}

	public McpDelivery getDelivery() {
		return this.delivery;
	}

	public void setDelivery(McpDelivery delivery) {
		this.delivery = delivery;
	}

	public Client getClient() {
		return this.client;
	}

	public Connections getConnections() {
		return this.connections;
	}

	public Auth getAuth() {
		return this.auth;
	}

	public Stream getStream() {
		return this.stream;
	}

	public Map<String, Server> getServers() {
		return this.servers;
	}

	/**
	 * MCP clients of the servers whose transport is streamable-http.
	 */
	public static class Client {

		/**
		 * Whether to create an MCP client for each streamable-http server. Turn off when
		 * the application uses another MCP client, such as Spring AI's.
		 */
		private boolean enabled = true;

		/**
		 * Name the clients give in initialize. Defaults to spring.application.name.
		 */
		private @Nullable String name;

		/**
		 * Version the clients give in initialize.
		 */
		private String version = "1.0.0";

		/**
		 * How long a request waits for the server's response.
		 */
		private Duration requestTimeout = Duration.ofSeconds(30);

		/**
		 * How long initialize may take, at start-up and when a session is renewed.
		 */
		private Duration initializeTimeout = Duration.ofSeconds(20);

		/**
		 * Whether to initialize sessions on first use rather than at start-up.
		 */
		private boolean lazy;

		/**
		 * How many times a 2026-07-28 call may come back input_required (an elicitation
		 * answered, the call retried) before it fails.
		 */
		private int maxInputRounds = 10;

		/**
		 * How often each MCP server is pinged to tell whether it still answers (health
		 * DOWN and a warning within one interval); 0 turns the probe off.
		 */
		private Duration livenessInterval = Duration.ofSeconds(15);

		/**
		 * Whether to offer the tools of every streamable-http server to Spring AI as tool
		 * callbacks, when Spring AI is on the classpath.
		 */
		private boolean springAiToolCallbacks = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public boolean isSpringAiToolCallbacks() {
			return this.springAiToolCallbacks;
		}

		public void setSpringAiToolCallbacks(boolean springAiToolCallbacks) {
			this.springAiToolCallbacks = springAiToolCallbacks;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

		public String getVersion() {
			return this.version;
		}

		public void setVersion(String version) {
			this.version = version;
		}

		public Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

		public Duration getInitializeTimeout() {
			return this.initializeTimeout;
		}

		public void setInitializeTimeout(Duration initializeTimeout) {
			this.initializeTimeout = initializeTimeout;
		}

		public boolean isLazy() {
			return this.lazy;
		}

		public int getMaxInputRounds() {
			return this.maxInputRounds;
		}

		public void setMaxInputRounds(int maxInputRounds) {
			this.maxInputRounds = maxInputRounds;
		}

		public void setLazy(boolean lazy) {
			this.lazy = lazy;
		}

		public Duration getLivenessInterval() {
			return this.livenessInterval;
		}

		public void setLivenessInterval(Duration livenessInterval) {
			this.livenessInterval = livenessInterval;
		}

	}

	/**
	 * ID-token authentication.
	 */
	public static class Auth {

		/**
		 * Whether requests carry a Google ID token: 'auto' when credentials are available
		 * and the host is not loopback, 'google' always (start-up fails without
		 * credentials), or 'none'.
		 */
		private AuthMode mode = AuthMode.AUTO;

		/**
		 * Header that carries the token: 'authorization', or 'x-serverless-authorization'
		 * to leave Authorization to the application's own scheme.
		 */
		private TokenHeader header = TokenHeader.AUTHORIZATION;

		/**
		 * How long before expiry a token is replaced in the background.
		 */
		private Duration refreshBeforeExpiry = Duration.ofMinutes(5);

		/**
		 * Location of a service-account key or impersonated-credentials JSON, such as
		 * file:/secrets/key.json. Application default credentials when not set.
		 */
		private @Nullable String credentialsLocation;

		/**
		 * How long a request waits for a token from the credential source before failing.
		 */
		private Duration fetchTimeout = Duration.ofSeconds(30);

		public AuthMode getMode() {
			return this.mode;
		}

		public void setMode(AuthMode mode) {
			this.mode = mode;
		}

		public TokenHeader getHeader() {
			return this.header;
		}

		public void setHeader(TokenHeader header) {
			this.header = header;
		}

		public Duration getRefreshBeforeExpiry() {
			return this.refreshBeforeExpiry;
		}

		public void setRefreshBeforeExpiry(Duration refreshBeforeExpiry) {
			this.refreshBeforeExpiry = refreshBeforeExpiry;
		}

		public @Nullable String getCredentialsLocation() {
			return this.credentialsLocation;
		}

		public void setCredentialsLocation(@Nullable String credentialsLocation) {
			this.credentialsLocation = credentialsLocation;
		}

		public Duration getFetchTimeout() {
			return this.fetchTimeout;
		}

		public void setFetchTimeout(Duration fetchTimeout) {
			this.fetchTimeout = fetchTimeout;
		}

	}

	/**
	 * HTTP connections to the MCP servers.
	 */
	public static class Connections {

		/**
		 * How long a keep-alive connection may stay idle before the client closes it;
		 * keep it below the idle timeout of the servers and proxies in between (5 s for
		 * Node and uvicorn servers); 0 keeps idle connections until the server closes
		 * them. Not applied to a connector the application defines.
		 */
		private Duration maxIdleTime = Duration.ofSeconds(4);

		public Duration getMaxIdleTime() {
			return this.maxIdleTime;
		}

		public void setMaxIdleTime(Duration maxIdleTime) {
			this.maxIdleTime = maxIdleTime;
		}

	}

	/**
	 * The event stream of each server.
	 */
	public static class Stream {

		/**
		 * Whether to hold each server's event stream open and publish its events.
		 */
		private boolean enabled = true;

		/**
		 * How many events may wait between the network and the consumers. On the 'events'
		 * transport with overflow 'block', the events of one network read cross together
		 * instead, and at most nine reads' events wait.
		 */
		private int buffer = 32;

		/**
		 * What happens when the buffer is full: 'block' stops reading the socket (nothing
		 * is lost), 'drop-oldest' and 'drop-latest' drop and count, 'error' fails the
		 * stream.
		 */
		private OverflowPolicy overflow = OverflowPolicy.BLOCK;

		/**
		 * Largest event accepted; a larger one ends the connection.
		 */
		private DataSize maxEventSize = DataSize.ofMegabytes(1);

		/**
		 * How long a connection may stay silent (no event, no comment) before it is
		 * reopened.
		 */
		private Duration readTimeout = Duration.ofMinutes(5);

		/**
		 * How long a stream's request may wait for the response's status and headers (for
		 * a 2026-07-28 listen stream: for the server's acknowledgement) before the
		 * attempt fails and is retried with backoff.
		 */
		private Duration responseTimeout = Duration.ofSeconds(30);

		/**
		 * How long events already read may take to reach listeners at shutdown.
		 */
		private Duration shutdownGrace = Duration.ofSeconds(5);

		/**
		 * Most platform threads that deliver the events of all streams to listeners and
		 * subscribers, each stream in order on one thread at a time; a listener that
		 * blocks holds one. Not used when spring.threads.virtual.enabled is true on Java
		 * 21 or later: each stream then delivers on virtual threads.
		 */
		private int dispatchThreads = 16;

		private final Reconnect reconnect = new Reconnect();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getBuffer() {
			return this.buffer;
		}

		public void setBuffer(int buffer) {
			this.buffer = buffer;
		}

		public OverflowPolicy getOverflow() {
			return this.overflow;
		}

		public void setOverflow(OverflowPolicy overflow) {
			this.overflow = overflow;
		}

		public DataSize getMaxEventSize() {
			return this.maxEventSize;
		}

		public void setMaxEventSize(DataSize maxEventSize) {
			this.maxEventSize = maxEventSize;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

		public Duration getResponseTimeout() {
			return this.responseTimeout;
		}

		public void setResponseTimeout(Duration responseTimeout) {
			this.responseTimeout = responseTimeout;
		}

		public Duration getShutdownGrace() {
			return this.shutdownGrace;
		}

		public void setShutdownGrace(Duration shutdownGrace) {
			this.shutdownGrace = shutdownGrace;
		}

		public int getDispatchThreads() {
			return this.dispatchThreads;
		}

		public void setDispatchThreads(int dispatchThreads) {
			this.dispatchThreads = dispatchThreads;
		}

		public Reconnect getReconnect() {
			return this.reconnect;
		}

	}

	/**
	 * Reconnect backoff of the event streams.
	 */
	public static class Reconnect {

		/**
		 * Wait before the first reconnect, unless the server sent a retry field.
		 */
		private Duration initialDelay = Duration.ofSeconds(1);

		/**
		 * Longest wait between reconnects.
		 */
		private Duration maxDelay = Duration.ofSeconds(30);

		/**
		 * Growth of the wait per consecutive failure.
		 */
		private double multiplier = 2.0;

		/**
		 * Random spread of each wait, as a fraction from 0 to 1.
		 */
		private double jitter = 0.2;

		/**
		 * Consecutive failed attempts before a stream gives up; 0 never gives up.
		 */
		private int maxAttempts;

		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

	}

	/**
	 * A named MCP server.
	 */
	public static class Server {

		/**
		 * Base URL of the server.
		 */
		private @Nullable String baseUrl;

		/**
		 * Audience of the ID tokens for the server. Defaults to the origin of its
		 * base-url.
		 */
		private @Nullable String audience;

		/**
		 * Path of the server's event stream. Defaults to cloudrun.mcp.events-path.
		 */
		private @Nullable String eventsPath;

		/**
		 * How to talk to the server. Defaults to cloudrun.mcp.transport.
		 */
		private @Nullable McpTransportType transport;

		/**
		 * Path of the server's MCP endpoint. Defaults to cloudrun.mcp.mcp-path.
		 */
		private @Nullable String mcpPath;

		/**
		 * Whether start-up fails when the server cannot be initialized. Defaults to
		 * cloudrun.mcp.fail-fast.
		 */
		private @Nullable Boolean failFast;

		/**
		 * MCP revision spoken with the server: auto, 2025-11-25 or 2026-07-28. Defaults
		 * to cloudrun.mcp.revision.
		 */
		private @Nullable String revision;

		/**
		 * URIs of the server's resources whose updates the application subscribes to
		 * (2026-07-28 listen stream, or resources/subscribe in each 2025-11-25 session),
		 * besides those of @McpListener(resources = ...).
		 */
		private List<String> resourceSubscriptions = new ArrayList<>();

		/**
		 * Which instances handle the server's events. Defaults to cloudrun.mcp.delivery.
		 */
		private @Nullable McpDelivery delivery;

		private final ServerAuth auth = new ServerAuth();

		public @Nullable McpTransportType getTransport() {
			return this.transport;
		}

		public void setTransport(@Nullable McpTransportType transport) {
			this.transport = transport;
		}

		public @Nullable String getMcpPath() {
			return this.mcpPath;
		}

		public void setMcpPath(@Nullable String mcpPath) {
			this.mcpPath = mcpPath;
		}

		public @Nullable Boolean getFailFast() {
			return this.failFast;
		}

		public @Nullable String getRevision() {
			return this.revision;
		}

		public void setRevision(@Nullable String revision) {
			this.revision = revision;
		}

		public void setFailFast(@Nullable Boolean failFast) {
			this.failFast = failFast;
		}

		public List<String> getResourceSubscriptions() {
			return this.resourceSubscriptions;
		}

		public void setResourceSubscriptions(List<String> resourceSubscriptions) {
			this.resourceSubscriptions = resourceSubscriptions;
		}

		public @Nullable McpDelivery getDelivery() {
			return this.delivery;
		}

		public void setDelivery(@Nullable McpDelivery delivery) {
			this.delivery = delivery;
		}

		public @Nullable String getEventsPath() {
			return this.eventsPath;
		}

		public void setEventsPath(@Nullable String eventsPath) {
			this.eventsPath = eventsPath;
		}

		public @Nullable String getBaseUrl() {
			return this.baseUrl;
		}

		public void setBaseUrl(@Nullable String baseUrl) {
			this.baseUrl = baseUrl;
		}

		public @Nullable String getAudience() {
			return this.audience;
		}

		public void setAudience(@Nullable String audience) {
			this.audience = audience;
		}

		public ServerAuth getAuth() {
			return this.auth;
		}

	}

	/**
	 * ID-token authentication of a named server; what is not set comes from
	 * cloudrun.mcp.auth.
	 */
	public static class ServerAuth {

		/**
		 * Whether requests carry a Google ID token. Defaults to cloudrun.mcp.auth.mode.
		 */
		private @Nullable AuthMode mode;

		/**
		 * Header that carries the token. Defaults to cloudrun.mcp.auth.header.
		 */
		private @Nullable TokenHeader header;

		/**
		 * How long before expiry a token is replaced. Defaults to
		 * cloudrun.mcp.auth.refresh-before-expiry.
		 */
		private @Nullable Duration refreshBeforeExpiry;

		/**
		 * Location of a credentials JSON for this server. Defaults to
		 * cloudrun.mcp.auth.credentials-location.
		 */
		private @Nullable String credentialsLocation;

		public @Nullable AuthMode getMode() {
			return this.mode;
		}

		public void setMode(@Nullable AuthMode mode) {
			this.mode = mode;
		}

		public @Nullable TokenHeader getHeader() {
			return this.header;
		}

		public void setHeader(@Nullable TokenHeader header) {
			this.header = header;
		}

		public @Nullable Duration getRefreshBeforeExpiry() {
			return this.refreshBeforeExpiry;
		}

		public void setRefreshBeforeExpiry(@Nullable Duration refreshBeforeExpiry) {
			this.refreshBeforeExpiry = refreshBeforeExpiry;
		}

		public @Nullable String getCredentialsLocation() {
			return this.credentialsLocation;
		}

		public void setCredentialsLocation(@Nullable String credentialsLocation) {
			this.credentialsLocation = credentialsLocation;
		}

	}

}
