package io.github.cloudrunmcp.stream;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link DispatchExecutor}: the hand-off from the network threads to a stream's
 * dispatch thread, under BlockHound.
 */
class DispatchExecutorTests {

	private final List<DispatchExecutor> executors = new ArrayList<>();

	@AfterEach
	void shutDown() {
		this.executors.forEach(DispatchExecutor::shutdownNow);
	}

	private DispatchExecutor executor(String name) {
		DispatchExecutor executor = new DispatchExecutor(name);
		this.executors.add(executor);
		return executor;
	}

	@Test
	void runsTasksInOrderOnOneOrdinaryThreadThatMayBlock() throws InterruptedException {
		DispatchExecutor executor = executor("mcp-events-test");
		List<Integer> order = new CopyOnWriteArrayList<>();
		List<Thread> threads = new CopyOnWriteArrayList<>();
		CountDownLatch done = new CountDownLatch(1);
		for (int i = 0; i < 1000; i++) {
			int n = i;
			executor.execute(() -> {
				order.add(n);
				threads.add(Thread.currentThread());
			});
		}
		// Listeners are application code: blocking on the dispatch thread is allowed.
		executor.execute(() -> {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			done.countDown();
		});
		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(order).containsExactlyElementsOf(IntStream.range(0, 1000).boxed().toList());
		assertThat(threads).allSatisfy((thread) -> {
			assertThat(thread.getName()).isEqualTo("mcp-events-test");
			assertThat(thread.isDaemon()).isTrue();
			assertThat(thread).isNotInstanceOf(NonBlocking.class);
		});
		assertThat(threads.stream().distinct()).hasSize(1);
	}

	@Test
	void noThreadUntilTheFirstTask() {
		DispatchExecutor executor = executor("mcp-events-idle");
		assertThat(executor.thread().isAlive()).isFalse();
		AtomicInteger ran = new AtomicInteger();
		executor.execute(ran::incrementAndGet);
		await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() == 1);
		assertThat(executor.thread().isAlive()).isTrue();
	}

	@Test
	void startStartsTheThreadBeforeAnyTask() {
		DispatchExecutor executor = executor("mcp-events-started");
		executor.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> executor.thread().isAlive());
		executor.start();
		AtomicInteger ran = new AtomicInteger();
		executor.execute(ran::incrementAndGet);
		await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() == 1);
	}

	@Test
	void anInterruptDoesNotReachTheNextTask() throws InterruptedException {
		DispatchExecutor executor = executor("mcp-events-interrupts");
		AtomicReference<Boolean> nextSawInterrupt = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(1);
		executor.execute(() -> Thread.currentThread().interrupt());
		executor.execute(() -> {
			nextSawInterrupt.set(Thread.currentThread().isInterrupted());
			done.countDown();
		});
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(nextSawInterrupt.get()).isFalse();
	}

	@Test
	void aStrayInterruptWhileIdleDoesNotMakeTheThreadSpin() throws InterruptedException {
		DispatchExecutor executor = executor("mcp-events-idle-interrupt");
		CountDownLatch ran = new CountDownLatch(1);
		executor.execute(ran::countDown);
		assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> executor.thread().getState() == Thread.State.WAITING);
		executor.thread().interrupt();
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		Thread.sleep(50);
		long before = threads.getThreadCpuTime(executor.thread().getId());
		Thread.sleep(500);
		long spent = threads.getThreadCpuTime(executor.thread().getId()) - before;
		// Parked, it uses no CPU; spinning on a set interrupt flag, it would use ~500 ms.
		assertThat(Duration.ofNanos(spent)).isLessThan(Duration.ofMillis(100));
		CountDownLatch next = new CountDownLatch(1);
		executor.execute(next::countDown);
		assertThat(next.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void eventLoopThreadsHandingOverAtOnceNeverBlock() {
		// Two non-blocking threads (BlockHound fails any park on them) hand over tasks as
		// fast as they can while the dispatch thread drains and sleeps in turn: a queue
		// with locks makes them meet in its lock and park.
		DispatchExecutor executor = executor("mcp-events-contended");
		int perProducer = 200_000;
		AtomicInteger ran = new AtomicInteger();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Flux.range(0, 2).flatMap((producer) -> Mono.fromRunnable(() -> {
			assertThat(Thread.currentThread()).isInstanceOf(NonBlocking.class);
			for (int i = 0; i < perProducer; i++) {
				executor.execute(ran::incrementAndGet);
			}
		}).subscribeOn(Schedulers.parallel()).doOnError(failure::set).onErrorComplete())
			.blockLast(Duration.ofSeconds(60));
		assertThat(failure.get()).isNull();
		await().atMost(Duration.ofSeconds(30)).until(() -> ran.get() == 2 * perProducer);
	}

	@Test
	void shutdownNowInterruptsTheRunningTaskDropsTheQueuedOnesAndRejectsNewOnes() throws InterruptedException {
		DispatchExecutor executor = executor("mcp-events-stopping");
		CountDownLatch running = new CountDownLatch(1);
		AtomicReference<Boolean> interrupted = new AtomicReference<>();
		AtomicInteger queuedRan = new AtomicInteger();
		executor.execute(() -> {
			running.countDown();
			try {
				Thread.sleep(30_000);
				interrupted.set(false);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
		});
		executor.execute(queuedRan::incrementAndGet);
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		executor.shutdownNow();
		await().atMost(Duration.ofSeconds(5)).until(() -> !executor.thread().isAlive());
		assertThat(interrupted.get()).isTrue();
		assertThat(queuedRan.get()).isZero();
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> executor.execute(queuedRan::incrementAndGet))
			.withMessageContaining("mcp-events-stopping");
	}

}
