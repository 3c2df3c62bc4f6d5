package io.github.cloudrunmcp.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.cloudrunmcp.auth.CachingIdTokenProvider;
import io.github.cloudrunmcp.auth.IdToken;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.auth.TokenRoute;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * The per-request cost of the ID-token filter with a cached token, next to a filter that
 * adds a fixed header (what a hand-written filter with a token in a field costs) and to
 * no filter. The exchange itself is a completed {@code Mono}, so only the filter is
 * measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenFilterBenchmark {

	private static final String AUDIENCE = "https://mcp-abc123-uc.a.run.app";

	private ClientRequest request;

	private ClientRequest foreignRequest;

	private ExchangeFunction next;

	private ExchangeFilterFunction idTokenFilter;

	private ExchangeFilterFunction fixedHeaderFilter;

	@Setup
	public void setUp() {
		IdToken token = new IdToken("eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln",
				Instant.now().plus(Duration.ofHours(1)));
		CachingIdTokenProvider provider = new CachingIdTokenProvider((audience) -> token, Duration.ofMinutes(5));
		provider.idToken(AUDIENCE).block();
		this.idTokenFilter = new IdTokenExchangeFilterFunction(List
			.of(new TokenRoute(URI.create(AUDIENCE), AUDIENCE, provider, TokenRoute.TokenHeader.AUTHORIZATION, false)));
		this.fixedHeaderFilter = (request, next) -> next
			.exchange(ClientRequest.from(request).headers((headers) -> headers.setBearerAuth(token.value())).build());
		this.request = ClientRequest.create(HttpMethod.POST, URI.create(AUDIENCE + "/mcp")).build();
		this.foreignRequest = ClientRequest.create(HttpMethod.GET, URI.create("https://example.com/x")).build();
		Mono<ClientResponse> response = Mono.just(ClientResponse.create(HttpStatus.OK).build());
		this.next = (request) -> response;
	}

	@Benchmark
	public void noFilter(Blackhole blackhole) {
		this.next.exchange(this.request).subscribe(blackhole::consume);
	}

	@Benchmark
	public void fixedHeaderFilter(Blackhole blackhole) {
		this.fixedHeaderFilter.filter(this.request, this.next).subscribe(blackhole::consume);
	}

	@Benchmark
	public void idTokenFilterCachedToken(Blackhole blackhole) {
		this.idTokenFilter.filter(this.request, this.next).subscribe(blackhole::consume);
	}

	@Benchmark
	public void idTokenFilterForeignOrigin(Blackhole blackhole) {
		this.idTokenFilter.filter(this.foreignRequest, this.next).subscribe(blackhole::consume);
	}

}
