package io.github.cloudrunmcp.stream;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
 * Tests for {@link DispatchLane} over {@link DispatchThreadPool}: the hand-off from the
 * network threads to the shared dispatch threads, each stream in order, under BlockHound.
 */
class DispatchLaneTests {

	private final List<DispatchThreadPool> pools = new ArrayList<>();

	private final List<DispatchLane> lanes = new ArrayList<>();

	@AfterEach
	void shutDown() {
		this.lanes.forEach(DispatchLane::shutdownNow);
		this.pools.forEach(DispatchThreadPool::shutdown);
	}

	private DispatchThreadPool pool(String prefix, int threads) {
		DispatchThreadPool pool = new DispatchThreadPool(prefix, threads);
		this.pools.add(pool);
		return pool;
	}

	private DispatchLane lane(DispatchThreadPool pool, String name) {
		DispatchLane lane = new DispatchLane(pool, name);
		this.lanes.add(lane);
		return lane;
	}

	@Test
	void runsALanesTasksInOrderOneAtATimeOnOrdinaryThreadsThatMayBlock() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-order-", 4);
		DispatchLane lane = lane(pool, "test");
		List<Integer> order = new CopyOnWriteArrayList<>();
		List<Thread> threads = new CopyOnWriteArrayList<>();
		AtomicInteger running = new AtomicInteger();
		AtomicInteger overlaps = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(1);
		for (int i = 0; i < 1000; i++) {
			int n = i;
			lane.execute(() -> {
				if (running.incrementAndGet() > 1) {
					overlaps.incrementAndGet();
				}
				order.add(n);
				threads.add(Thread.currentThread());
				running.decrementAndGet();
			});
		}
		// Listeners are application code: blocking on a dispatch thread is allowed.
		lane.execute(() -> {
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
		assertThat(overlaps.get()).isZero();
		assertThat(threads).allSatisfy((thread) -> {
			assertThat(thread.getName()).startsWith("lane-order-");
			assertThat(thread.isDaemon()).isTrue();
			assertThat(thread).isNotInstanceOf(NonBlocking.class);
		});
	}

	@Test
	void noThreadUntilTheFirstTaskAndNoMoreThanTheBound() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-bound-", 3);
		assertThat(pool.threads()).isZero();
		CountDownLatch release = new CountDownLatch(1);
		Set<Thread> used = ConcurrentHashMap.newKeySet();
		AtomicInteger ran = new AtomicInteger();
		// Twenty streams whose listeners all block: three threads, never more.
		for (int i = 0; i < 20; i++) {
			lane(pool, "s" + i).execute(() -> {
				used.add(Thread.currentThread());
				awaitLatch(release);
				ran.incrementAndGet();
			});
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> used.size() == 3);
		Thread.sleep(100);
		assertThat(pool.threads()).isEqualTo(3);
		assertThat(used).hasSize(3);
		assertThat(ran.get()).isZero();
		release.countDown();
		await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() == 20);
		assertThat(used).hasSize(3);
	}

	@Test
	void aBlockedLaneHoldsOneThreadAndTheOtherLanesGoOn() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-blocked-", 2);
		DispatchLane slow = lane(pool, "slow");
		DispatchLane fast = lane(pool, "fast");
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger slowRan = new AtomicInteger();
		AtomicInteger fastRan = new AtomicInteger();
		for (int i = 0; i < 10; i++) {
			slow.execute(() -> {
				awaitLatch(release);
				slowRan.incrementAndGet();
			});
		}
		for (int i = 0; i < 10_000; i++) {
			fast.execute(fastRan::incrementAndGet);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> fastRan.get() == 10_000);
		// The slow lane's later tasks wait for its first, never on the other thread.
		assertThat(slowRan.get()).isZero();
		release.countDown();
		await().atMost(Duration.ofSeconds(5)).until(() -> slowRan.get() == 10);
	}

	@Test
	void aBusyLaneTakesTurnsWithTheOthersOnOneThread() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-turns-", 1);
		DispatchLane busy = lane(pool, "busy");
		DispatchLane other = lane(pool, "other");
		CountDownLatch gate = new CountDownLatch(1);
		List<String> order = new CopyOnWriteArrayList<>();
		// Hold the only thread while both lanes fill up, so that both are queued.
		busy.execute(() -> awaitLatch(gate));
		for (int i = 0; i < 10 * DispatchLane.BATCH; i++) {
			busy.execute(() -> order.add("busy"));
		}
		other.execute(() -> order.add("other"));
		gate.countDown();
		await().atMost(Duration.ofSeconds(5)).until(() -> order.size() == 10 * DispatchLane.BATCH + 1);
		// The other lane ran after the busy one's first batch, not after all of it.
		assertThat(order.indexOf("other")).isLessThanOrEqualTo(DispatchLane.BATCH);
	}

	@Test
	void anInterruptDoesNotReachTheNextTask() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-interrupts-", 1);
		DispatchLane first = lane(pool, "first");
		DispatchLane second = lane(pool, "second");
		AtomicReference<Boolean> sameLaneSawInterrupt = new AtomicReference<>();
		AtomicReference<Boolean> otherLaneSawInterrupt = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(2);
		first.execute(() -> Thread.currentThread().interrupt());
		first.execute(() -> {
			sameLaneSawInterrupt.set(Thread.currentThread().isInterrupted());
			done.countDown();
			Thread.currentThread().interrupt();
		});
		second.execute(() -> {
			otherLaneSawInterrupt.set(Thread.currentThread().isInterrupted());
			done.countDown();
		});
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(sameLaneSawInterrupt.get()).isFalse();
		assertThat(otherLaneSawInterrupt.get()).isFalse();
	}

	@Test
	void aStrayInterruptWhileIdleDoesNotMakeTheThreadSpin() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-idle-interrupt-", 1);
		DispatchLane lane = lane(pool, "idle");
		AtomicReference<Thread> thread = new AtomicReference<>();
		CountDownLatch ran = new CountDownLatch(1);
		lane.execute(() -> {
			thread.set(Thread.currentThread());
			ran.countDown();
		});
		assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
		Thread worker = thread.get();
		await().atMost(Duration.ofSeconds(5)).until(() -> worker.getState() == Thread.State.WAITING);
		worker.interrupt();
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		Thread.sleep(50);
		long before = threads.getThreadCpuTime(worker.getId());
		Thread.sleep(500);
		long spent = threads.getThreadCpuTime(worker.getId()) - before;
		// Parked, it uses no CPU; spinning on a set interrupt flag, it would use ~500 ms.
		assertThat(Duration.ofNanos(spent)).isLessThan(Duration.ofMillis(100));
		CountDownLatch next = new CountDownLatch(1);
		lane.execute(next::countDown);
		assertThat(next.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void eventLoopThreadsHandingOverAtOnceNeverBlock() {
		// Two non-blocking threads (BlockHound fails any park on them) hand over tasks to
		// lanes of their own and to a shared one as fast as they can while the dispatch
		// threads drain and sleep in turn: a queue with locks makes them meet in its lock
		// and park.
		DispatchThreadPool pool = pool("lane-contended-", 2);
		DispatchLane shared = lane(pool, "shared");
		List<DispatchLane> own = List.of(lane(pool, "own-0"), lane(pool, "own-1"));
		int perProducer = 200_000;
		AtomicInteger ran = new AtomicInteger();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Flux.range(0, 2).flatMap((producer) -> Mono.fromRunnable(() -> {
			assertThat(Thread.currentThread()).isInstanceOf(NonBlocking.class);
			for (int i = 0; i < perProducer; i++) {
				((i % 2 == 0) ? shared : own.get(producer)).execute(ran::incrementAndGet);
			}
		}).subscribeOn(Schedulers.parallel()).doOnError(failure::set).onErrorComplete())
			.blockLast(Duration.ofSeconds(60));
		assertThat(failure.get()).isNull();
		await().atMost(Duration.ofSeconds(30)).until(() -> ran.get() == 2 * perProducer);
	}

	@Test
	void shutdownNowInterruptsTheRunningTaskDropsTheQueuedOnesAndRejectsNewOnes() throws InterruptedException {
		DispatchThreadPool pool = pool("lane-stopping-", 2);
		DispatchLane lane = lane(pool, "stopping");
		DispatchLane other = lane(pool, "other");
		CountDownLatch running = new CountDownLatch(1);
		AtomicReference<Boolean> interrupted = new AtomicReference<>();
		AtomicInteger queuedRan = new AtomicInteger();
		lane.execute(() -> {
			running.countDown();
			try {
				Thread.sleep(30_000);
				interrupted.set(false);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
		});
		lane.execute(queuedRan::incrementAndGet);
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		lane.shutdownNow();
		await().atMost(Duration.ofSeconds(5)).until(() -> interrupted.get() != null);
		assertThat(interrupted.get()).isTrue();
		Thread.sleep(100);
		assertThat(queuedRan.get()).isZero();
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> lane.execute(queuedRan::incrementAndGet))
			.withMessageContaining("'stopping'");
		// The threads serve the other lanes on.
		CountDownLatch otherRan = new CountDownLatch(1);
		other.execute(otherRan::countDown);
		assertThat(otherRan.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aShutDownPoolRefusesNewTasksThroughItsLanes() {
		DispatchThreadPool pool = pool("lane-closed-", 1);
		DispatchLane lane = lane(pool, "closed");
		pool.shutdown();
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> lane.execute(() -> {
		})).withMessageContaining("has no thread to run on");
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> lane.execute(() -> {
		})).withMessageContaining("was shut down");
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
