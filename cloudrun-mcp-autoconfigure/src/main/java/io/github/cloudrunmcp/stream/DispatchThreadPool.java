package io.github.cloudrunmcp.stream;

import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A bounded set of ordinary (blocking-allowed) platform threads that run the tasks handed
 * to them, in no particular order across threads.
 *
 * <p>
 * The network threads hand tasks over through {@link #execute(Runnable)}, so it never
 * blocks: a lock-free queue, and {@link LockSupport#unpark(Thread)} of an idle thread. A
 * {@code ThreadPoolExecutor} would not do: its queue takes a lock on every offer, and an
 * event-loop thread that meets a worker in that lock parks, which is a blocking call on
 * the event loop. Threads start when tasks find every started thread busy, up to the
 * bound, so that streams that receive nothing hold no thread.
 *
 * <p>
 * Waking a parked thread is the dearest step of a hand-off (a system call on each side
 * and a context switch), so the pool wakes few: at most one thread is <em>searching</em>
 * at a time, that is woken and not yet holding a task, or spinning briefly on the queue
 * after its last task. A task offered while one searches wakes nobody; the searcher that
 * takes a task wakes another only if more tasks wait, so that a backlog still spreads
 * over all the threads and a task that blocks holds up no other.
 */
final class DispatchThreadPool implements Executor {

	private static final Log logger = LogFactory.getLog(DispatchThreadPool.class);

	/**
	 * How long a thread that ran out of tasks polls the queue before it parks, when the
	 * machine has more than one core.
	 */
	static final long DEFAULT_SPIN_NANOS = 20_000;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	/** Parked workers, the most recently parked first (its caches are warm). */
	private final Deque<Thread> idle = new ConcurrentLinkedDeque<>();

	private final AtomicInteger started = new AtomicInteger();

	/** Threads woken or started for tasks. */
	private final AtomicLong wakeUps = new AtomicLong();

	/** Workers woken or spinning that hold no task yet: zero or one, but briefly two. */
	private final AtomicInteger searching = new AtomicInteger();

	private final String namePrefix;

	private final int maxThreads;

	private final long spinNanos;

	private volatile boolean shutdown;

	/**
	 * Create a pool; it holds no thread until the first task. An idle thread spins for
	 * {@value #DEFAULT_SPIN_NANOS} ns before it parks on a machine with more than one
	 * core, and parks at once on one with a single core.
	 * @param namePrefix the prefix of the threads' names, followed by a number from 1
	 * @param maxThreads the most threads it starts
	 */
	DispatchThreadPool(String namePrefix, int maxThreads) {
		this(namePrefix, maxThreads, (Runtime.getRuntime().availableProcessors() > 1) ? DEFAULT_SPIN_NANOS : 0);
	}

	/**
	 * Create a pool; it holds no thread until the first task.
	 * @param namePrefix the prefix of the threads' names, followed by a number from 1
	 * @param maxThreads the most threads it starts
	 * @param spinNanos how long a thread that ran out of tasks polls the queue before it
	 * parks; zero parks at once
	 */
	DispatchThreadPool(String namePrefix, int maxThreads, long spinNanos) {
		if (maxThreads < 1) {
			throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
		}
		this.namePrefix = namePrefix;
		this.maxThreads = maxThreads;
		this.spinNanos = Math.max(0, spinNanos);
	}

	@Override
	public void execute(Runnable task) {
		if (this.shutdown) {
			throw new RejectedExecutionException("Dispatch threads " + this.namePrefix + "* were shut down");
		}
		this.tasks.offer(task);
		// A searcher stops searching only after it polled: either it takes this task or
		// this sees it stopped.
		if (this.searching.get() == 0) {
			wakeOne();
		}
	}

	/**
	 * Make one thread search, unless one already does: wake an idle thread, or start one,
	 * or (every thread busy) leave the queue to the first that finishes its task.
	 */
	private void wakeOne() {
		if (!this.searching.compareAndSet(0, 1)) {
			return;
		}
		// The thread woken or started here owns the search just claimed.
		Thread sleeper = this.idle.pollFirst();
		if (sleeper != null) {
			this.wakeUps.incrementAndGet();
			LockSupport.unpark(sleeper);
			return;
		}
		int count = this.started.get();
		while (count < this.maxThreads) {
			if (this.started.compareAndSet(count, count + 1)) {
				this.wakeUps.incrementAndGet();
				startWorker(count + 1);
				return;
			}
			count = this.started.get();
		}
		// Every thread is busy: the first to finish its task polls the queue.
		this.searching.decrementAndGet();
	}

	private void startWorker(int number) {
		Thread worker = new Thread(this::work, this.namePrefix + number);
		worker.setDaemon(true);
		try {
			worker.start();
		}
		catch (RuntimeException | Error ex) {
			this.searching.decrementAndGet();
			this.started.decrementAndGet();
			if (this.started.get() == 0) {
				// No thread would ever run what is queued.
				this.tasks.clear();
				throw new RejectedExecutionException("Dispatch thread " + worker.getName() + " could not start", ex);
			}
			// The threads already started take the task.
		}
	}

	/**
	 * Stop the threads once they finished the task in hand; queued tasks are discarded
	 * and new ones refused.
	 */
	void shutdown() {
		this.shutdown = true;
		this.tasks.clear();
		Thread sleeper;
		while ((sleeper = this.idle.pollFirst()) != null) {
			LockSupport.unpark(sleeper);
		}
	}

	/**
	 * Return how many times a thread was woken or started for tasks.
	 * @return the count
	 */
	long wakeUps() {
		return this.wakeUps.get();
	}

	/**
	 * Return how many threads started.
	 * @return the count
	 */
	int threads() {
		return this.started.get();
	}

	private void work() {
		Thread self = Thread.currentThread();
		// A new thread was started by wakeOne(), which made it the searcher.
		boolean searcher = true;
		while (!this.shutdown) {
			Runnable task = this.tasks.poll();
			if (task == null && this.spinNanos > 0) {
				if (!searcher && this.searching.compareAndSet(0, 1)) {
					searcher = true;
				}
				if (searcher) {
					task = spin();
				}
			}
			if (task == null) {
				if (searcher) {
					searcher = false;
					this.searching.decrementAndGet();
				}
				searcher = sleep(self);
				continue;
			}
			if (searcher) {
				searcher = false;
				// Another task already waits: let another thread take it rather than
				// leave it behind this one, which may block.
				if (this.searching.decrementAndGet() == 0 && !this.tasks.isEmpty()) {
					wakeOne();
				}
			}
			run(self, task);
		}
		if (searcher) {
			this.searching.decrementAndGet();
		}
	}

	private @Nullable Runnable spin() {
		long deadline = System.nanoTime() + this.spinNanos;
		int polls = 0;
		while (!this.shutdown) {
			Runnable task = this.tasks.poll();
			if (task != null) {
				return task;
			}
			// Let the network threads run if the cores are short.
			if ((++polls & 63) == 0) {
				if (System.nanoTime() - deadline >= 0) {
					return null;
				}
				Thread.yield();
			}
			else {
				Thread.onSpinWait();
			}
		}
		return null;
	}

	/**
	 * Park until woken.
	 * @param self this thread
	 * @return whether the thread was woken by {@link #wakeOne()} and owns the search
	 */
	private boolean sleep(Thread self) {
		this.idle.addFirst(self);
		// Announced idle before looking at the queue a last time: either this sees a
		// task offered now, or its submitter sees this thread idle.
		if (!this.tasks.isEmpty() || this.shutdown) {
			// Taken off the list by a submitter: that one's unpark only makes a later
			// park return once, and this thread owns the search it claimed.
			return !this.idle.removeFirstOccurrence(self);
		}
		LockSupport.park(this);
		// A stray interrupt would make every later park return at once.
		Thread.interrupted();
		// Woken by a submitter (which took this thread off the list), by shutdown, or
		// spuriously (still on the list).
		return !this.idle.removeFirstOccurrence(self) && !this.shutdown;
	}

	private void run(Thread self, Runnable task) {
		// An interrupt meant for an earlier task (or a stray one) does not reach this
		// one.
		Thread.interrupted();
		try {
			task.run();
		}
		catch (RuntimeException | Error ex) {
			// The lanes handle their tasks' errors; keep the thread for the next ones.
			logger.error("Task on " + self.getName() + " failed", ex);
		}
	}

}
