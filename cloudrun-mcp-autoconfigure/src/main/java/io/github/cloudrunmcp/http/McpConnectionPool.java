package io.github.cloudrunmcp.http;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.HttpResources;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The pool of keep-alive connections to MCP servers. A connection idle for longer than
 * the maximum idle time is closed by the client, so that it is never reused after a
 * server or a proxy closed or forgot it: Node's and uvicorn's servers close idle
 * connections after 5 s, load balancers after a minute or more, and a request written
 * into a connection the other side closed fails. Idle connections are also evicted in the
 * background, so that they do not hold sockets open on either side.
 */
public final class McpConnectionPool implements AutoCloseable {

	/**
	 * Default maximum idle time: below the 5 s after which common servers (Node, uvicorn)
	 * close an idle connection.
	 */
	public static final Duration DEFAULT_MAX_IDLE_TIME = Duration.ofSeconds(4);

	private final ConnectionProvider provider;

	private final Duration maxIdleTime;

	private McpConnectionPool(ConnectionProvider provider, Duration maxIdleTime) {
		this.provider = provider;
		this.maxIdleTime = maxIdleTime;
	}

	/**
	 * Create a pool.
	 * @param base the pool whose other settings (connection limits, acquire timeouts,
	 * metrics) to keep, such as the one of Spring's {@code ReactorResourceFactory}; or
	 * {@code null} for Reactor Netty's defaults
	 * @param maxIdleTime how long a connection may stay idle in the pool; zero or
	 * negative to keep it until the server closes it
	 * @return the pool
	 */
	public static McpConnectionPool create(@Nullable ConnectionProvider base, Duration maxIdleTime) {
		Objects.requireNonNull(maxIdleTime, "maxIdleTime");
		// The global pool's settings by default: the pool every WebClient uses unless
		// told otherwise (up to 500 connections per server, which long-lived streams
		// need).
		ConnectionProvider.Builder builder = ((base != null) ? base : HttpResources.get()).mutate();
		if (builder == null) {
			builder = ConnectionProvider.builder("cloudrun-mcp")
				.maxConnections(Math.max(ConnectionProvider.DEFAULT_POOL_MAX_CONNECTIONS, 500))
				.pendingAcquireTimeout(Duration.ofMillis(ConnectionProvider.DEFAULT_POOL_ACQUIRE_TIMEOUT));
		}
		builder.name("cloudrun-mcp");
		if (!maxIdleTime.isZero() && !maxIdleTime.isNegative()) {
			// Background eviction at half the idle time closes a connection within 1.5
			// times it; the pool also refuses an expired connection when one is
			// acquired, so none is reused late.
			Duration sweep = maxIdleTime.dividedBy(2);
			builder.maxIdleTime(maxIdleTime)
				.evictInBackground(sweep.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : sweep);
		}
		return new McpConnectionPool(builder.build(), maxIdleTime);
	}

	/**
	 * Return an HTTP client over this pool that tells {@link ReusedConnectionRetry} when
	 * a request went out on a reused connection.
	 * @return the client
	 */
	public HttpClient httpClient() {
		return ReusedConnectionRetry.observe(HttpClient.create(this.provider));
	}

	/**
	 * Return the maximum idle time.
	 * @return the time, zero or negative when idle connections are kept
	 */
	public Duration maxIdleTime() {
		return this.maxIdleTime;
	}

	/**
	 * Return the connection provider.
	 * @return the provider
	 */
	public ConnectionProvider connectionProvider() {
		return this.provider;
	}

	/**
	 * Close every connection of the pool.
	 */
	@Override
	public void close() {
		this.provider.dispose();
	}

}
