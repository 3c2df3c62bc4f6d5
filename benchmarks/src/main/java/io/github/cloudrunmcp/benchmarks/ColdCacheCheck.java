package io.github.cloudrunmcp.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.github.cloudrunmcp.auth.CachingIdTokenProvider;
import io.github.cloudrunmcp.auth.GoogleIdTokenSource;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.auth.TokenRoute;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeProtectedServer;
import reactor.core.publisher.Flux;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Counts metadata-server calls for 10,000 requests from 200 concurrent callers against a
 * cold token cache, over real loopback HTTP with a 100 ms metadata answer. The target is
 * exactly one.
 */
public final class ColdCacheCheck {

	private ColdCacheCheck() {
	}

	public static void main(String[] args) {
		// The JDK server otherwise closes idle keep-alive connections that the client's
		// pool reuses.
		System.setProperty("sun.net.httpserver.maxIdleConnections", "1000");
		FakeMetadataServer metadata = FakeMetadataServer.started();
		metadata.delay(Duration.ofMillis(100));
		FakeProtectedServer server = FakeProtectedServer.started(metadata.issuer());
		try {
			CachingIdTokenProvider provider = new CachingIdTokenProvider(new GoogleIdTokenSource(metadata::credentials),
					Duration.ofMinutes(5));
			WebClient client = WebClient.builder()
				.filter(new IdTokenExchangeFilterFunction(List.of(new TokenRoute(URI.create(server.origin()),
						server.audience(), provider, TokenRoute.TokenHeader.AUTHORIZATION, false))))
				.build();
			long start = System.nanoTime();
			Long accepted = Flux.range(0, 10_000)
				.flatMap((i) -> client.get().uri(server.origin() + "/r/" + i).retrieve().toBodilessEntity(), 200)
				.count()
				.block(Duration.ofMinutes(5));
			long millis = (System.nanoTime() - start) / 1_000_000;
			long verified = server.requests().stream().filter((r) -> r.verification().valid()).count();
			Report.publish("cold-cache", String
				.format(Locale.ROOT, "Cold cache, the metadata server answering after 100 ms:%n%n"
						+ "| requests | concurrent callers | metadata-server calls | target | requests with a verified token | total (ms) |%n"
						+ "| ---: | ---: | ---: | ---: | ---: | ---: |%n| %,d | 200 | %d | 1 | %,d | %,d |%n", accepted,
						metadata.identityCalls(), verified, millis));
			if (metadata.identityCalls() != 1 || verified != 10_000) {
				System.exit(1);
			}
		}
		finally {
			server.stop();
			metadata.stop();
		}
		System.exit(0);
	}

}
