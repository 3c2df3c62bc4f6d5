package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the hand-off of a source's events a network read at a time
 * ({@link McpEventSource#batchesByRead()} with the overflow policy {@code block}): the
 * stream reads at most {@link McpEventStream#READ_PREFETCH} lists ahead of its dispatch
 * lane, so that while the consumers are behind the events of at most that many reads and
 * the one being delivered wait, besides the fan-out's few.
 */
class BatchedHandOffTests {

	private static final int EVENTS_PER_READ = 10;

	private static final int READS = 100;

	/** The fan-out's queue ({@code McpEventStream}'s {@code FAN_OUT_PREFETCH}). */
	private static final int FAN_OUT = 8;

	private static final ObjectMapper MAPPER = JsonMapper.builder().build();

	private final List<McpEventStream> streams = new ArrayList<>();

	@AfterEach
	void stop() {
		this.streams.forEach(McpEventStream::stop);
	}

	@Test
	void aBlockedListenerHoldsUpTheReadsAfterThePrefetch() throws InterruptedException {
		ReadsSource source = new ReadsSource();
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<Integer> received = new CopyOnWriteArrayList<>();
		McpEventStream stream = stream(source, (event) -> {
			received.add(Integer.parseInt(event.data()));
			if (received.size() == 1) {
				entered.countDown();
				awaitLatch(release);
			}
		});
		stream.start();
		assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
		// The network side reads ahead while the listener works...
		await().atMost(Duration.ofSeconds(10)).until(() -> source.reads() >= McpEventStream.READ_PREFETCH);
		// ...and however long the listener takes, the reads stay within the bound.
		for (int i = 0; i < 10; i++) {
			assertThat(source.reads()).isBetween(1, McpEventStream.READ_PREFETCH + 1);
			Thread.sleep(50);
		}
		release.countDown();
		await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == READS * EVENTS_PER_READ);
		assertThat(received)
			.containsExactlyElementsOf(IntStream.rangeClosed(1, READS * EVENTS_PER_READ).boxed().toList());
		assertThat(source.reads()).isEqualTo(READS);
	}

	@Test
	void aSubscriberThatAsksForNothingMoreHoldsUpTheReadsAfterThePrefetchAndTheFanOutsFew()
			throws InterruptedException {
		ReadsSource source = new ReadsSource();
		McpEventStream stream = stream(source, null);
		List<Integer> received = new CopyOnWriteArrayList<>();
		HeldSubscriber subscriber = new HeldSubscriber(received);
		stream.events().subscribe(subscriber);
		stream.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
		for (int i = 0; i < 10; i++) {
			int waiting = source.reads() * EVENTS_PER_READ - received.size();
			assertThat(waiting).isLessThanOrEqualTo((McpEventStream.READ_PREFETCH + 1) * EVENTS_PER_READ + FAN_OUT);
			Thread.sleep(50);
		}
		subscriber.requestRest();
		await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == READS * EVENTS_PER_READ);
		assertThat(received)
			.containsExactlyElementsOf(IntStream.rangeClosed(1, READS * EVENTS_PER_READ).boxed().toList());
	}

	private McpEventStream stream(McpEventSource source, @Nullable Consumer<McpEvent> dispatcher) {
		McpEventStream stream = new McpEventStream("reads", URI.create("http://localhost/events"), source,
				StreamSettings.defaults(), MAPPER, dispatcher);
		this.streams.add(stream);
		return stream;
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A source of {@value #READS} "network reads" of {@value #EVENTS_PER_READ} events
	 * each, numbered from 1, each read only when requested; counts the reads.
	 */
	private static final class ReadsSource implements McpEventSource {

		private final AtomicInteger reads = new AtomicInteger();

		int reads() {
			return this.reads.get();
		}

		@Override
		public Flux<McpEvent> events() {
			return batches().concatMapIterable((events) -> events);
		}

		@Override
		public Flux<List<McpEvent>> batches() {
			return Flux.range(0, READS).map((read) -> {
				this.reads.incrementAndGet();
				List<McpEvent> events = new ArrayList<>(EVENTS_PER_READ);
				for (int i = 1; i <= EVENTS_PER_READ; i++) {
					String number = String.valueOf(read * EVENTS_PER_READ + i);
					events.add(new McpEvent("reads", number, McpEvent.DEFAULT_TYPE, number, MAPPER));
				}
				return events;
			});
		}

		@Override
		public boolean batchesByRead() {
			return true;
		}

		@Override
		public Flux<McpStreamStatus> statusChanges() {
			return Flux.just(new McpStreamStatus(McpStreamStatus.State.OPEN, 0, null, null, Instant.now()));
		}

	}

	/**
	 * Asks for one event, then for nothing more until told.
	 */
	private static final class HeldSubscriber extends BaseSubscriber<McpEvent> {

		private final List<Integer> received;

		HeldSubscriber(List<Integer> received) {
			this.received = received;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			subscription.request(1);
		}

		@Override
		protected void hookOnNext(McpEvent event) {
			this.received.add(Integer.parseInt(event.data()));
		}

		void requestRest() {
			request(Long.MAX_VALUE);
		}

	}

}
