package io.github.cloudrunmcp.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeMetadataServer.Failure;
import io.github.cloudrunmcp.test.TestTokenIssuer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class CachingIdTokenProviderTests {

	private static final String AUDIENCE = "https://mcp-abc123-uc.a.run.app";

	private final MutableClock clock = new MutableClock();

	private FakeMetadataServer metadata;

	@BeforeEach
	void startMetadataServer() {
		// Tokens are minted on the same clock the provider judges them by.
		this.metadata = new FakeMetadataServer(new TestTokenIssuer("sa@test.iam.gserviceaccount.com", this.clock));
		this.metadata.start();
	}

	@AfterEach
	void stopMetadataServer() {
		this.metadata.stop();
	}

	private CachingIdTokenProvider provider(Duration refreshBeforeExpiry, Duration initialBackoff, Clock clock) {
		// A fetch timeout that a cold JVM's first fetch on a busy machine does not reach.
		return new CachingIdTokenProvider(new GoogleIdTokenSource(this.metadata::credentials), refreshBeforeExpiry,
				Duration.ofSeconds(60), initialBackoff, Duration.ofSeconds(2), Schedulers.boundedElastic(), clock);
	}

	@Test
	void tokenIsCachedAcross1000Requests() {
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), this.clock);
		List<IdToken> tokens = Flux.range(0, 1000).concatMap((i) -> provider.idToken(AUDIENCE)).collectList().block();
		assertThat(tokens).hasSize(1000).allSatisfy((token) -> assertThat(token).isEqualTo(tokens.get(0)));
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void audiencesAreCachedSeparately() {
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), this.clock);
		IdToken a = provider.idToken(AUDIENCE).block();
		IdToken b = provider.idToken("https://other.example.com").block();
		assertThat(this.metadata.issuer().verify(a.value(), AUDIENCE).valid()).isTrue();
		assertThat(this.metadata.issuer().verify(b.value(), "https://other.example.com").valid()).isTrue();
		provider.idToken(AUDIENCE).block();
		assertThat(this.metadata.identityCalls()).isEqualTo(2);
	}

	@Test
	void singleFetchUnder200ConcurrentColdRequests() throws Exception {
		this.metadata.delay(Duration.ofMillis(300));
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), this.clock);
		CountDownLatch start = new CountDownLatch(1);
		List<IdToken> tokens = Flux.range(0, 200)
			.flatMap((i) -> Mono.fromRunnable(awaiting(start))
				.subscribeOn(Schedulers.boundedElastic())
				.then(provider.idToken(AUDIENCE)), 200)
			.doOnSubscribe((s) -> start.countDown())
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(tokens).hasSize(200).allSatisfy((token) -> assertThat(token).isEqualTo(tokens.get(0)));
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	private Runnable awaiting(CountDownLatch latch) {
		return () -> {
			try {
				latch.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		};
	}

	@Test
	void tokenIsRefreshedInBackgroundBeforeExpiryWhileStillServed() {
		MutableClock clock = this.clock;
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), clock);
		IdToken first = provider.idToken(AUDIENCE).block();
		clock.advance(Duration.ofMinutes(54));
		assertThat(provider.idToken(AUDIENCE).block()).isEqualTo(first);
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
		clock.advance(Duration.ofMinutes(2));
		// Inside the refresh window: the still-valid token is served at once...
		assertThat(provider.idToken(AUDIENCE).block()).isEqualTo(first);
		// ...while one background fetch replaces it.
		await().atMost(Duration.ofSeconds(30)).until(() -> this.metadata.identityCalls() == 2);
		await().atMost(Duration.ofSeconds(30)).until(() -> !provider.idToken(AUDIENCE).block().equals(first));
		assertThat(this.metadata.identityCalls()).isEqualTo(2);
	}

	@Test
	void shortLivedTokenIsReplacedBeforeItExpires() {
		this.metadata.tokenLifetime(Duration.ofSeconds(4));
		CachingIdTokenProvider provider = provider(Duration.ofSeconds(3), Duration.ofMillis(100), this.clock);
		IdToken first = provider.idToken(AUDIENCE).block();
		await().pollInterval(Duration.ofMillis(100))
			.atMost(Duration.ofSeconds(4))
			.until(() -> !provider.idToken(AUDIENCE).block().equals(first));
		assertThat(Instant.now()).isBefore(first.expiresAt());
	}

	@Test
	void expiredTokenIsNeverServed() {
		MutableClock clock = this.clock;
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), clock);
		IdToken first = provider.idToken(AUDIENCE).block();
		clock.advance(Duration.ofMinutes(61));
		this.metadata.fail(Failure.SERVER_ERROR);
		assertThatExceptionOfType(IdTokenUnavailableException.class)
			.isThrownBy(() -> provider.idToken(AUDIENCE).block())
			.withMessageContaining(AUDIENCE);
		assertThat(first.isExpiredAt(clock.instant())).isTrue();
	}

	@Test
	void failureIsReportedThenRetriedWithBackoffAndRecovers() {
		this.metadata.stop();
		// The provider judges the backoff by its clock, stopped here: however slowly a
		// busy machine runs the test, the second request comes within the backoff.
		this.clock.stop();
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(300), this.clock);
		assertThatExceptionOfType(IdTokenUnavailableException.class)
			.isThrownBy(() -> provider.idToken(AUDIENCE).block())
			.withMessageContaining(AUDIENCE);
		// Within the backoff the failure is served without calling again.
		this.metadata.start();
		assertThatExceptionOfType(IdTokenUnavailableException.class)
			.isThrownBy(() -> provider.idToken(AUDIENCE).block());
		assertThat(this.metadata.identityCalls()).isZero();
		this.clock.advance(Duration.ofMillis(300));
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.ignoreExceptions()
			.until(() -> provider.idToken(AUDIENCE).block() != null);
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void slowSourceTimesOutWithClearError() {
		AtomicInteger calls = new AtomicInteger();
		CachingIdTokenProvider provider = new CachingIdTokenProvider((audience) -> {
			calls.incrementAndGet();
			try {
				Thread.sleep(2000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			throw new IllegalStateException("too late");
		}, Duration.ofMinutes(5), Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(1),
				Schedulers.boundedElastic(), this.clock);
		assertThatExceptionOfType(IdTokenUnavailableException.class)
			.isThrownBy(() -> provider.idToken(AUDIENCE).block(Duration.ofSeconds(5)))
			.withMessageContaining("within 200 ms");
	}

	@Test
	void invalidateForcesOneNewFetch() {
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), this.clock);
		IdToken first = provider.idToken(AUDIENCE).block();
		this.clock.advance(Duration.ofSeconds(31));
		provider.invalidate(AUDIENCE, first);
		provider.invalidate(AUDIENCE, first);
		provider.idToken(AUDIENCE).block();
		provider.idToken(AUDIENCE).block();
		assertThat(this.metadata.identityCalls()).isEqualTo(2);
	}

	@Test
	void invalidateWithinThirtySecondsOfTheFetchKeepsTheToken() {
		CachingIdTokenProvider provider = provider(Duration.ofMinutes(5), Duration.ofMillis(100), this.clock);
		IdToken first = provider.idToken(AUDIENCE).block();
		for (int i = 0; i < 20; i++) {
			provider.invalidate(AUDIENCE, first);
			assertThat(provider.idToken(AUDIENCE).block()).isSameAs(first);
			this.clock.advance(Duration.ofSeconds(1));
		}
		assertThat(this.metadata.identityCalls()).isEqualTo(1);
	}

	@Test
	void fetchNeverRunsOnTheSubscribingNonBlockingThread() {
		AtomicInteger onParallel = new AtomicInteger();
		CachingIdTokenProvider provider = new CachingIdTokenProvider((audience) -> {
			if (Schedulers.isInNonBlockingThread()) {
				onParallel.incrementAndGet();
			}
			return new GoogleIdTokenSource(this.metadata::credentials).fetch(audience);
		}, Duration.ofMinutes(5));
		IdToken token = Mono.defer(() -> provider.idToken(AUDIENCE))
			.subscribeOn(Schedulers.parallel())
			.block(Duration.ofSeconds(10));
		assertThat(token).isNotNull();
		assertThat(onParallel).hasValue(0);
	}

	static final class MutableClock extends Clock {

		private volatile Duration offset = Duration.ZERO;

		private volatile @Nullable Instant stoppedAt;

		void advance(Duration duration) {
			this.offset = this.offset.plus(duration);
		}

		/**
		 * Stop the clock where it is: from now on only {@link #advance(Duration)} moves
		 * it.
		 */
		void stop() {
			this.stoppedAt = Instant.now();
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			Instant stopped = this.stoppedAt;
			return ((stopped != null) ? stopped : Instant.now()).plus(this.offset);
		}

	}

}
