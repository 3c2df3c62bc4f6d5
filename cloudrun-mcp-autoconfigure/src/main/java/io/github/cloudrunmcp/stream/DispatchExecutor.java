package io.github.cloudrunmcp.stream;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A stream's dispatch thread: one ordinary (blocking-allowed) thread that runs the tasks
 * handed to it in order.
 *
 * <p>
 * The network threads hand events over through {@link #execute(Runnable)}, so it never
 * blocks: a lock-free queue, and {@link LockSupport#unpark(Thread)} only when the thread
 * sleeps. A {@code ThreadPoolExecutor} would not do: its queue takes a lock on every
 * offer, and an event-loop thread that meets the dispatch thread in that lock parks,
 * which is a blocking call on the event loop.
 */
final class DispatchExecutor implements Executor {

	private static final Log logger = LogFactory.getLog(DispatchExecutor.class);

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private final Thread thread;

	private final AtomicBoolean started = new AtomicBoolean();

	private volatile boolean sleeping;

	private volatile boolean shutdown;

	/**
	 * Create the executor; its thread starts with {@link #start()} or the first task, so
	 * that a stream that is never started holds no thread.
	 * @param name the thread's name
	 */
	DispatchExecutor(String name) {
		this.thread = new Thread(this::run, name);
		this.thread.setDaemon(true);
	}

	/**
	 * Start the thread, if no task started it yet, so that the first event does not start
	 * it on a network thread.
	 */
	void start() {
		if (!this.started.get() && this.started.compareAndSet(false, true)) {
			startThread();
		}
	}

	@Override
	public void execute(Runnable task) {
		if (this.shutdown) {
			throw rejected(null);
		}
		this.tasks.offer(task);
		if (this.shutdown && this.tasks.remove(task)) {
			// shutdownNow() ran between the check and the offer: nobody would run it.
			throw rejected(null);
		}
		if (!this.started.get() && this.started.compareAndSet(false, true)) {
			startThread();
			return;
		}
		// The thread announces that it sleeps before it looks at the queue a last time:
		// either it sees this task or this sees it sleeping.
		if (this.sleeping) {
			LockSupport.unpark(this.thread);
		}
	}

	private void startThread() {
		try {
			this.thread.start();
		}
		catch (RuntimeException | Error ex) {
			// No thread would ever run what is queued: refuse it, and all that follows.
			this.shutdown = true;
			this.tasks.clear();
			throw rejected(ex);
		}
	}

	private RejectedExecutionException rejected(@Nullable Throwable cause) {
		return new RejectedExecutionException(
				"Dispatch thread " + this.thread.getName() + ((cause != null) ? " could not start" : " was shut down"),
				cause);
	}

	/**
	 * Stop the thread: queued tasks are discarded and a running one is interrupted.
	 */
	void shutdownNow() {
		this.shutdown = true;
		this.tasks.clear();
		this.thread.interrupt();
	}

	/**
	 * Return the thread.
	 * @return the thread
	 */
	Thread thread() {
		return this.thread;
	}

	private void run() {
		while (!this.shutdown) {
			Runnable task = this.tasks.poll();
			if (task == null) {
				this.sleeping = true;
				task = this.tasks.poll();
				if (task == null) {
					if (!this.shutdown) {
						LockSupport.park(this);
						// A stray interrupt would make every later park return at once.
						Thread.interrupted();
					}
					this.sleeping = false;
					continue;
				}
				this.sleeping = false;
			}
			// An interrupt meant for an earlier task (or a stray one) does not reach this
			// one. shutdownNow() sets its flag before it interrupts, so an interrupt
			// cleared here is never one that should stop the thread.
			Thread.interrupted();
			if (this.shutdown) {
				return;
			}
			try {
				task.run();
			}
			catch (RuntimeException | Error ex) {
				// Reactor's tasks handle their own errors; keep the thread for the next
				// ones.
				logger.error("Task on " + this.thread.getName() + " failed", ex);
			}
		}
	}

}
