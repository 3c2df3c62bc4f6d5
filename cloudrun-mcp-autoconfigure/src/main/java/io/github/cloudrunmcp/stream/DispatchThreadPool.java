package io.github.cloudrunmcp.stream;

import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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
 */
final class DispatchThreadPool implements Executor {

	private static final Log logger = LogFactory.getLog(DispatchThreadPool.class);

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	/** Parked workers, the most recently parked first (its caches are warm). */
	private final Deque<Thread> idle = new ConcurrentLinkedDeque<>();

	private final AtomicInteger started = new AtomicInteger();

	private final String namePrefix;

	private final int maxThreads;

	private volatile boolean shutdown;

	/**
	 * Create a pool; it holds no thread until the first task.
	 * @param namePrefix the prefix of the threads' names, followed by a number from 1
	 * @param maxThreads the most threads it starts
	 */
	DispatchThreadPool(String namePrefix, int maxThreads) {
		if (maxThreads < 1) {
			throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
		}
		this.namePrefix = namePrefix;
		this.maxThreads = maxThreads;
	}

	@Override
	public void execute(Runnable task) {
		if (this.shutdown) {
			throw new RejectedExecutionException("Dispatch threads " + this.namePrefix + "* were shut down");
		}
		this.tasks.offer(task);
		// A worker announces that it is idle before it looks at the queue a last time:
		// either it sees this task or this sees it idle.
		Thread sleeper = this.idle.pollFirst();
		if (sleeper != null) {
			LockSupport.unpark(sleeper);
			return;
		}
		int count = this.started.get();
		while (count < this.maxThreads) {
			if (this.started.compareAndSet(count, count + 1)) {
				startWorker(count + 1);
				return;
			}
			count = this.started.get();
		}
		// Every thread is busy: the first to finish its task takes this one.
	}

	private void startWorker(int number) {
		Thread worker = new Thread(this::work, this.namePrefix + number);
		worker.setDaemon(true);
		try {
			worker.start();
		}
		catch (RuntimeException | Error ex) {
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
	 * Return how many threads started.
	 * @return the count
	 */
	int threads() {
		return this.started.get();
	}

	private void work() {
		Thread self = Thread.currentThread();
		while (!this.shutdown) {
			Runnable task = this.tasks.poll();
			if (task == null) {
				this.idle.addFirst(self);
				task = this.tasks.poll();
				if (task == null) {
					if (!this.shutdown) {
						LockSupport.park(this);
					}
					// Woken by a task (which took this thread off the list), by shutdown,
					// or
					// spuriously: either way, look at the queue again.
					this.idle.removeFirstOccurrence(self);
					// A stray interrupt would make every later park return at once.
					Thread.interrupted();
					continue;
				}
				// Found a task after all; a submitter that took this thread off the list
				// left an unpark, which only makes a later park return once.
				this.idle.removeFirstOccurrence(self);
			}
			// An interrupt meant for an earlier task (or a stray one) does not reach this
			// one.
			Thread.interrupted();
			try {
				task.run();
			}
			catch (RuntimeException | Error ex) {
				// The lanes handle their tasks' errors; keep the thread for the next
				// ones.
				logger.error("Task on " + self.getName() + " failed", ex);
			}
		}
	}

}
