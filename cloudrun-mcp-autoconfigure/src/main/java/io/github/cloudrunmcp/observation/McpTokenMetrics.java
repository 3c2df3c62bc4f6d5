package io.github.cloudrunmcp.observation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.auth.IdTokenStatus;
import io.github.cloudrunmcp.auth.TokenRoute;
import io.github.cloudrunmcp.server.McpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Metrics of the ID tokens sent to each server, tagged with {@code mcp.server}: the age
 * of the cached token ({@code mcp.token.age}) and the time left until it expires
 * ({@code mcp.token.expiry}), both NaN while no token is cached. Read from
 * {@link io.github.cloudrunmcp.auth.IdTokenProvider#status(String)}; never the token.
 * Failed fetches are counted by the {@code mcp.token.fetch} observation's timer.
 */
public final class McpTokenMetrics implements MeterBinder {

	private final List<McpServer> servers;

	private final IdTokenExchangeFilterFunction tokens;

	/**
	 * Create the metrics of some servers' tokens.
	 * @param servers the servers
	 * @param tokens the filter that holds each server's token route
	 */
	public McpTokenMetrics(List<McpServer> servers, IdTokenExchangeFilterFunction tokens) {
		this.servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
		this.tokens = Objects.requireNonNull(tokens, "tokens");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (McpServer server : this.servers) {
			TokenRoute route = this.tokens.routeFor(server.origin());
			if (route == null) {
				continue;
			}
			TimeGauge.builder("mcp.token.age", route, TimeUnit.MILLISECONDS, (r) -> millisSince(r, true))
				.description("Time since the cached ID token was fetched")
				.tag("mcp.server", server.name())
				.register(registry);
			TimeGauge.builder("mcp.token.expiry", route, TimeUnit.MILLISECONDS, (r) -> millisSince(r, false))
				.description("Time left until the cached ID token expires")
				.tag("mcp.server", server.name())
				.register(registry);
		}
	}

	private static double millisSince(TokenRoute route, boolean age) {
		IdTokenStatus status = route.provider().status(route.audience());
		if (status == null) {
			return Double.NaN;
		}
		Instant now = Instant.now();
		return age ? Duration.between(status.fetchedAt(), now).toMillis()
				: Duration.between(now, status.expiresAt()).toMillis();
	}

}
