package io.github.cloudrunmcp.stream;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ReadTimeout}: the connection's read timeout with one timer per
 * connection rather than one per network buffer.
 */
class ReadTimeoutTests {

	@Test
	void elementsThatKeepComingPassThroughAndComplete() {
		// Each gap is far below the timeout, the whole far above it: the timer is set
		// again from the last element, not from the subscription.
		List<Long> elements = new ReadTimeout(Duration.ofSeconds(3), "silent")
			.apply(Flux.interval(Duration.ofMillis(50)).take(80))
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(elements).hasSize(80);
	}

	@Test
	void aSilenceAsLongAsTheTimeoutEndsTheElementsWithATimeoutAndCancelsThem() {
		AtomicBoolean cancelled = new AtomicBoolean();
		AtomicLong lastElement = new AtomicLong();
		Flux<Long> elements = Flux.interval(Duration.ofMillis(20))
			.take(10)
			.concatWith(Flux.never())
			.doOnNext((element) -> lastElement.set(System.nanoTime()))
			.doOnCancel(() -> cancelled.set(true));
		Duration timeout = Duration.ofMillis(300);
		List<Long> received = new CopyOnWriteArrayList<>();
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> new ReadTimeout(timeout, "nothing for a while").apply(elements)
				.doOnNext(received::add)
				.blockLast(Duration.ofSeconds(60)))
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessage("nothing for a while");
		long silence = System.nanoTime() - lastElement.get();
		assertThat(received).hasSize(10);
		assertThat(silence).isGreaterThanOrEqualTo(timeout.toNanos());
		assertThat(cancelled).isTrue();
	}

	@Test
	void theWaitStartsAtSubscription() {
		long start = System.nanoTime();
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> new ReadTimeout(Duration.ofMillis(200), "no first element").apply(Flux.never())
				.blockLast(Duration.ofSeconds(60)))
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
	}

	@Test
	void anErrorOrACancelEndsTheWatchWithoutATimeout() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> new ReadTimeout(Duration.ofMillis(100), "late")
				.apply(Flux.<Long>error(new IllegalStateException("reset")))
				.blockLast(Duration.ofSeconds(60)));
		assertThat(new ReadTimeout(Duration.ofMillis(100), "late").apply(Flux.interval(Duration.ofMillis(10)))
			.take(3)
			.collectList()
			.block(Duration.ofSeconds(60))).hasSize(3);
	}

}
