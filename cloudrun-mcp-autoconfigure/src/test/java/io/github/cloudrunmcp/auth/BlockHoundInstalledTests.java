package io.github.cloudrunmcp.auth;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proves that BlockHound watches this test JVM, so that the other tests would fail if any
 * of them blocked on a non-blocking thread.
 */
class BlockHoundInstalledTests {

	@Test
	void blockingOnAParallelThreadIsDetected() {
		assertThatThrownBy(() -> Mono.fromCallable(() -> {
			Thread.sleep(1);
			return "";
		}).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5)))
			.hasCauseInstanceOf(BlockingOperationError.class)
			.satisfies((ex) -> {
			});
	}

}
