package io.github.cloudrunmcp.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link IdTokenProvider} that caches one token per audience and fetches from an
 * {@link IdTokenSource} on a blocking-capable {@link Scheduler}, never on the caller's
 * thread.
 *
 * <ul>
 * <li>A cached token is served until {@code refreshBeforeExpiry} before it expires; from
 * then on it is still served while a single background fetch replaces it.</li>
 * <li>However many callers find the cache cold, one fetch runs per audience (single
 * flight); they all get its result.</li>
 * <li>A failed fetch is not retried at once: callers get the failure until a backoff
 * delay (doubling from {@code initialBackoff} up to {@code maxBackoff}) has passed, then
 * the next call tries again.</li>
 * <li>{@link #invalidate(String, IdToken) Invalidating} a token that was fetched less
 * than {@code minRefreshInterval} ago is ignored: a server that rejects every token would
 * otherwise drive one metadata-server call per request. A token so fresh that it is
 * rejected is not cured by another one.</li>
 * </ul>
 */
public final class CachingIdTokenProvider implements IdTokenProvider {

	private static final Log logger = LogFactory.getLog(CachingIdTokenProvider.class);

	private final IdTokenSource source;

	private final Duration refreshBeforeExpiry;

	private final Duration fetchTimeout;

	private final Duration initialBackoff;

	private final Duration maxBackoff;

	private final Duration minRefreshInterval;

	private final Scheduler scheduler;

	private final Clock clock;

	private final Map<String, Entry> entries = new ConcurrentHashMap<>();

	/**
	 * Create a provider with the default timings: fetch timeout 30s, backoff from 1s to
	 * 30s, a rejected token replaced at most every 30s, fetches on
	 * {@link Schedulers#boundedElastic()}.
	 * @param source where tokens come from
	 * @param refreshBeforeExpiry how long before expiry a token is replaced
	 */
	public CachingIdTokenProvider(IdTokenSource source, Duration refreshBeforeExpiry) {
		this(source, refreshBeforeExpiry, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(30),
				Schedulers.boundedElastic(), Clock.systemUTC());
	}

	/**
	 * Create a provider that replaces a rejected token at most every 30 seconds.
	 * @param source where tokens come from
	 * @param refreshBeforeExpiry how long before expiry a token is replaced
	 * @param fetchTimeout how long a caller waits for one fetch
	 * @param initialBackoff the wait after a first failed fetch
	 * @param maxBackoff the longest wait between failed fetches
	 * @param scheduler where the blocking fetch runs
	 * @param clock the clock that token expiry is judged by
	 */
	public CachingIdTokenProvider(IdTokenSource source, Duration refreshBeforeExpiry, Duration fetchTimeout,
			Duration initialBackoff, Duration maxBackoff, Scheduler scheduler, Clock clock) {
		this(source, refreshBeforeExpiry, fetchTimeout, initialBackoff, maxBackoff, Duration.ofSeconds(30), scheduler,
				clock);
	}

	/**
	 * Create a provider.
	 * @param source where tokens come from
	 * @param refreshBeforeExpiry how long before expiry a token is replaced
	 * @param fetchTimeout how long a caller waits for one fetch
	 * @param initialBackoff the wait after a first failed fetch
	 * @param maxBackoff the longest wait between failed fetches
	 * @param minRefreshInterval how long a fetched token is kept even when a server
	 * rejects it
	 * @param scheduler where the blocking fetch runs
	 * @param clock the clock that token expiry is judged by
	 */
	public CachingIdTokenProvider(IdTokenSource source, Duration refreshBeforeExpiry, Duration fetchTimeout,
			Duration initialBackoff, Duration maxBackoff, Duration minRefreshInterval, Scheduler scheduler,
			Clock clock) {
		this.source = Objects.requireNonNull(source, "source");
		this.refreshBeforeExpiry = Objects.requireNonNull(refreshBeforeExpiry, "refreshBeforeExpiry");
		this.fetchTimeout = Objects.requireNonNull(fetchTimeout, "fetchTimeout");
		this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
		this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
		this.minRefreshInterval = Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public Mono<IdToken> idToken(String audience) {
		return Mono.defer(() -> this.entries.computeIfAbsent(audience, Entry::new).get());
	}

	@Override
	public void invalidate(String audience, IdToken rejected) {
		Entry entry = this.entries.get(audience);
		if (entry != null) {
			entry.invalidate(rejected);
		}
	}

	@Override
	public @Nullable IdTokenStatus status(String audience) {
		Entry entry = this.entries.get(audience);
		if (entry == null) {
			return null;
		}
		IdToken token = entry.current;
		return (token != null) ? new IdTokenStatus(entry.fetchedAt, token.expiresAt()) : null;
	}

	/**
	 * The cached state of one audience.
	 */
	private final class Entry {

		private final String audience;

		private volatile @Nullable IdToken current;

		/** When {@link #current} was fetched, by the provider's clock. */
		private volatile Instant fetchedAt = Instant.MIN;

		private volatile @Nullable Failure failure;

		private final AtomicReference<@Nullable Mono<IdToken>> inflight = new AtomicReference<>();

		Entry(String audience) {
			this.audience = audience;
		}

		Mono<IdToken> get() {
			Instant now = CachingIdTokenProvider.this.clock.instant();
			IdToken token = this.current;
			if (token != null && !token.isExpiredAt(now)) {
				if (!now.isBefore(token.expiresAt().minus(CachingIdTokenProvider.this.refreshBeforeExpiry))
						&& mayFetch(now)) {
					// Refresh in the background; this caller keeps the still-valid token.
					fetch().subscribe(null, (ex) -> {
					});
				}
				return Mono.just(token);
			}
			Failure lastFailure = this.failure;
			if (lastFailure != null && now.isBefore(lastFailure.retryAt())) {
				return Mono.error(lastFailure.exception());
			}
			return fetch();
		}

		void invalidate(IdToken rejected) {
			IdToken token = this.current;
			if (token == null || !token.value().equals(rejected.value())) {
				return;
			}
			Instant now = CachingIdTokenProvider.this.clock.instant();
			if (now.isBefore(this.fetchedAt.plus(CachingIdTokenProvider.this.minRefreshInterval))) {
				if (logger.isDebugEnabled()) {
					logger.debug("ID token for audience '" + this.audience + "' was rejected less than "
							+ CachingIdTokenProvider.this.minRefreshInterval.toSeconds()
							+ " s after it was fetched; keeping it rather than asking for another");
				}
				return;
			}
			this.current = null;
		}

		private boolean mayFetch(Instant now) {
			Failure lastFailure = this.failure;
			return lastFailure == null || !now.isBefore(lastFailure.retryAt());
		}

		private Mono<IdToken> fetch() {
			while (true) {
				Mono<IdToken> running = this.inflight.get();
				if (running != null) {
					return running;
				}
				Sinks.One<IdToken> sink = Sinks.one();
				Mono<IdToken> shared = sink.asMono();
				if (this.inflight.compareAndSet(null, shared)) {
					start(sink, shared);
					return shared;
				}
			}
		}

		private void start(Sinks.One<IdToken> sink, Mono<IdToken> shared) {
			Mono.fromCallable(() -> CachingIdTokenProvider.this.source.fetch(this.audience))
				.subscribeOn(CachingIdTokenProvider.this.scheduler)
				.timeout(CachingIdTokenProvider.this.fetchTimeout)
				.subscribe((token) -> {
					this.fetchedAt = CachingIdTokenProvider.this.clock.instant();
					this.current = token;
					this.failure = null;
					this.inflight.compareAndSet(shared, null);
					sink.tryEmitValue(token);
				}, (ex) -> {
					IdTokenUnavailableException failure = translate(ex);
					Failure previous = this.failure;
					int attempts = (previous != null) ? previous.attempts() + 1 : 1;
					this.failure = new Failure(failure, attempts,
							CachingIdTokenProvider.this.clock.instant().plus(backoff(attempts)));
					this.inflight.compareAndSet(shared, null);
					if (logger.isDebugEnabled()) {
						logger.debug("ID token fetch " + attempts + " for audience '" + this.audience + "' failed: "
								+ failure.getMessage());
					}
					sink.tryEmitError(failure);
				});
		}

		private IdTokenUnavailableException translate(Throwable ex) {
			if (ex instanceof IdTokenUnavailableException unavailable) {
				return unavailable;
			}
			if (ex instanceof TimeoutException) {
				return new IdTokenUnavailableException(this.audience,
						"No ID token for audience '" + this.audience + "' within "
								+ CachingIdTokenProvider.this.fetchTimeout.toMillis()
								+ " ms: the credential source (usually the metadata server) is slow or unreachable. "
								+ "The next request retries, with backoff.",
						ex);
			}
			return new IdTokenUnavailableException(this.audience,
					"Could not get an ID token for audience '" + this.audience + "': "
							+ GoogleIdTokenSource.redact(ex.getMessage()) + ". The next request retries, with backoff.",
					ex);
		}

		private Duration backoff(int attempts) {
			Duration delay = CachingIdTokenProvider.this.initialBackoff.multipliedBy(1L << Math.min(attempts - 1, 20));
			return (delay.compareTo(CachingIdTokenProvider.this.maxBackoff) > 0)
					? CachingIdTokenProvider.this.maxBackoff : delay;
		}

	}

	private record Failure(IdTokenUnavailableException exception, int attempts, Instant retryAt) {
	}

}
