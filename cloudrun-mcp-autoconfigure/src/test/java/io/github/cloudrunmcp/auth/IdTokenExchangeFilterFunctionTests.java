package io.github.cloudrunmcp.auth;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeProtectedServer;
import io.github.cloudrunmcp.test.FakeProtectedServer.RecordedRequest;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class IdTokenExchangeFilterFunctionTests {

	private FakeMetadataServer metadata;

	private FakeProtectedServer server;

	private FakeProtectedServer foreign;

	private CachingIdTokenProvider provider;

	/** The provider's clock, advanced to make a token older than the refresh window. */
	private final CachingIdTokenProviderTests.MutableClock clock = new CachingIdTokenProviderTests.MutableClock();

	@BeforeEach
	void start() {
		// Tokens are minted on the provider's clock, so a token fetched after advancing
		// it
		// differs from the one before.
		this.metadata = new FakeMetadataServer(new TestTokenIssuer("sa@test.iam.gserviceaccount.com", this.clock));
		this.metadata.start();
		this.server = FakeProtectedServer.started(this.metadata.issuer());
		this.foreign = FakeProtectedServer.started(this.metadata.issuer()).authRequired(false);
		this.provider = new CachingIdTokenProvider(new GoogleIdTokenSource(this.metadata::credentials),
				Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(30),
				Schedulers.boundedElastic(), this.clock);
	}

	@AfterEach
	void stop() {
		this.metadata.stop();
		this.server.stop();
		this.foreign.stop();
	}

	private WebClient client(TokenHeader header, boolean optional, IdTokenProvider provider) {
		return client(header, optional, provider, HttpClient.create());
	}

	private WebClient client(TokenHeader header, boolean optional, IdTokenProvider provider, HttpClient httpClient) {
		TokenRoute route = new TokenRoute(URI.create(this.server.origin()), this.server.audience(), provider, header,
				optional);
		return WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(httpClient))
			.filter(new IdTokenExchangeFilterFunction(List.of(route)))
			.build();
	}

	private String get(WebClient client, String url) {
		return client.get().uri(url).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
	}

	@Test
	void tokenIsAttachedAndAcceptedByTheServer() {
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		assertThat(get(client, this.server.origin() + "/hello")).contains(this.metadata.issuer().email());
		RecordedRequest request = this.server.requests().get(0);
		assertThat(request.authorization()).startsWith("Bearer ey");
		assertThat(request.serverlessAuthorization()).isNull();
		assertThat(request.verification().valid()).isTrue();
	}

	@Test
	void tokenCanTravelInServerlessAuthorizationHeader() {
		WebClient client = client(TokenHeader.X_SERVERLESS_AUTHORIZATION, false, this.provider);
		get(client, this.server.origin() + "/hello");
		RecordedRequest request = this.server.requests().get(0);
		assertThat(request.authorization()).isNull();
		assertThat(request.serverlessAuthorization()).startsWith("Bearer ey");
		assertThat(request.verification().valid()).isTrue();
	}

	@Test
	void oneMetadataCallFor1000Requests() {
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		Flux.range(0, 1000)
			.flatMap((i) -> client.get().uri(this.server.origin() + "/n/" + i).retrieve().toBodilessEntity(), 16)
			.blockLast(Duration.ofSeconds(60));
		assertThat(this.server.requests()).hasSize(1000).allMatch((r) -> r.verification().valid());
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void singleMetadataCallFor200ConcurrentColdRequests() {
		this.metadata.delay(Duration.ofMillis(200));
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		Flux.range(0, 200)
			.flatMap((i) -> client.get().uri(this.server.origin() + "/n/" + i).retrieve().toBodilessEntity(), 200)
			.blockLast(Duration.ofSeconds(60));
		assertThat(this.server.requests()).hasSize(200).allMatch((r) -> r.verification().valid());
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void noTokenIsSentToAnotherOrigin() {
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		get(client, this.foreign.origin() + "/elsewhere");
		assertThat(this.foreign.requests()).singleElement().satisfies((r) -> assertThat(r.hadToken()).isFalse());
		assertThat(this.metadata.identityCalls()).isZero();
	}

	@Test
	void noTokenIsSentAcrossARedirectToAnotherOrigin() {
		this.server.route("/moved", 302, "", "Location", this.foreign.origin() + "/landing");
		// Default client: the redirect is returned, not followed.
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		ClientResponse response = client.get().uri(this.server.origin() + "/moved").exchangeToMono((r) -> {
			return r.releaseBody().thenReturn(r);
		}).block(Duration.ofSeconds(10));
		assertThat(response.statusCode().value()).isEqualTo(302);
		assertThat(this.foreign.requests()).isEmpty();
		// A client that follows redirects: the next hop must not carry the token.
		WebClient following = client(TokenHeader.AUTHORIZATION, false, this.provider,
				HttpClient.create().followRedirect(true));
		get(following, this.server.origin() + "/moved");
		assertThat(this.foreign.requests()).singleElement().satisfies((r) -> assertThat(r.hadToken()).isFalse());
	}

	@Test
	void unauthorizedTriggersOneRefreshAndOneRetry() {
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		get(client, this.server.origin() + "/warm");
		this.clock.advance(Duration.ofMinutes(1));
		this.server.rejectNext(1);
		assertThat(get(client, this.server.origin() + "/again")).contains(this.metadata.issuer().email());
		assertThat(this.server.requests()).hasSize(3);
		assertThat(this.metadata.identityCalls()).isEqualTo(2);
	}

	@Test
	void unauthorizedTwiceIsAClearError() {
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		get(client, this.server.origin() + "/warm");
		this.clock.advance(Duration.ofMinutes(1));
		this.metadata.resetCounts();
		this.server.rejectNext(2);
		assertThatExceptionOfType(IdTokenRejectedException.class)
			.isThrownBy(() -> get(client, this.server.origin() + "/x?secret=1"))
			.withMessageContaining("roles/run.invoker")
			.withMessageContaining(this.server.audience())
			.withMessageNotContaining("secret=1");
		assertThat(this.server.requests()).hasSize(3);
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void unauthorizedWithATokenFetchedMomentsAgoIsAnErrorWithoutRefreshOrRetry() {
		WebClient client = client(TokenHeader.AUTHORIZATION, false, this.provider);
		this.server.rejectNext(1);
		assertThatExceptionOfType(IdTokenRejectedException.class)
			.isThrownBy(() -> get(client, this.server.origin() + "/x"));
		assertThat(this.server.requests()).hasSize(1);
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void serverThatRejectsEveryTokenCannotDriveAMetadataCallPerRequest() {
		WebClient client = client(TokenHeader.X_SERVERLESS_AUTHORIZATION, false, this.provider);
		this.server.rejectNext(Integer.MAX_VALUE);
		int requests = 60;
		for (int i = 0; i < requests; i++) {
			assertThatExceptionOfType(IdTokenRejectedException.class)
				.isThrownBy(() -> get(client, this.server.origin() + "/always-401"));
			// Ten minutes in all: past the 30 s refresh window twenty times over.
			this.clock.advance(Duration.ofSeconds(10));
		}
		// One fetch, then at most one forced refresh per 30 s window: 1 + 600 / 30. One
		// per request (60) without the window.
		assertThat(this.metadata.identityCalls()).isBetween(2, 21);
		assertThat(this.server.requests().size()).isLessThanOrEqualTo(requests + 21);
	}

	@Test
	void metadataServerDownIsAClearErrorThenRecovers() {
		CachingIdTokenProvider fastRetry = new CachingIdTokenProvider(
				new GoogleIdTokenSource(this.metadata::credentials), Duration.ofMinutes(5), Duration.ofSeconds(5),
				Duration.ofMillis(200), Duration.ofMillis(400), reactor.core.scheduler.Schedulers.boundedElastic(),
				java.time.Clock.systemUTC());
		WebClient client = client(TokenHeader.AUTHORIZATION, false, fastRetry);
		this.metadata.stop();
		assertThatExceptionOfType(IdTokenUnavailableException.class)
			.isThrownBy(() -> get(client, this.server.origin() + "/a"))
			.withMessageContaining(this.server.audience())
			.withMessageContaining("metadata server");
		assertThat(this.server.requests()).isEmpty();
		this.metadata.start();
		// An upper bound only: a busy machine may need more than the 400 ms backoff.
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.ignoreExceptions()
			.until(() -> get(client, this.server.origin() + "/b") != null);
		assertThat(this.server.requests()).last().satisfies((r) -> assertThat(r.verification().valid()).isTrue());
	}

	@Test
	void autoModeWithoutCredentialsSendsNoToken() {
		this.server.authRequired(false);
		IdTokenProvider noCredentials = new CachingIdTokenProvider(new GoogleIdTokenSource(() -> {
			throw new IOException("Your default credentials were not found.");
		}), Duration.ofMinutes(5));
		get(client(TokenHeader.AUTHORIZATION, true, noCredentials), this.server.origin() + "/open");
		assertThat(this.server.requests()).singleElement().satisfies((r) -> assertThat(r.hadToken()).isFalse());
	}

	@Test
	void googleModeWithoutCredentialsFails() {
		IdTokenProvider noCredentials = new CachingIdTokenProvider(new GoogleIdTokenSource(() -> {
			throw new IOException("Your default credentials were not found.");
		}), Duration.ofMinutes(5));
		assertThatExceptionOfType(GoogleCredentialsUnusableException.class)
			.isThrownBy(() -> get(client(TokenHeader.AUTHORIZATION, false, noCredentials), this.server.origin()));
		assertThat(this.server.requests()).isEmpty();
	}

	@Test
	void routeMatchingComparesWholeOrigin() {
		IdTokenExchangeFilterFunction filter = IdTokenExchangeFilterFunction.forOrigin(this.provider,
				URI.create("https://mcp.example.com"), "https://mcp.example.com");
		assertThat(filter.routeFor(URI.create("https://MCP.example.com:443/x"))).isNotNull();
		assertThat(filter.routeFor(URI.create("https://mcp.example.com/tools?x=1"))).isNotNull();
		assertThat(filter.routeFor(URI.create("http://mcp.example.com/x"))).isNull();
		assertThat(filter.routeFor(URI.create("https://mcp.example.com:8443/x"))).isNull();
		assertThat(filter.routeFor(URI.create("https://mcp.example.com.evil.com/x"))).isNull();
		assertThat(filter.routeFor(URI.create("https://evil.com/https://mcp.example.com"))).isNull();
	}

}
