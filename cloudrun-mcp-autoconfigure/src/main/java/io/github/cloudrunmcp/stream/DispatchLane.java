package io.github.cloudrunmcp.stream;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One stream's place on the shared dispatch threads: runs the tasks handed to it one at a
 * time, in order, on whichever thread of the {@link McpDispatchExecutor} is free.
 *
 * <p>
 * A lane occupies at most one thread at a time, so a slow listener holds up its own
 * stream and one thread, never the other streams beyond that share. After {@value #BATCH}
 * tasks in a row it goes to the back of the threads' queue, so that a busy stream takes
 * turns with the others. {@link #execute(Runnable)} never blocks: a lock-free queue, and
 * the lane is handed to the threads only when it was empty.
 */
final class DispatchLane implements Executor {

	private static final Log logger = LogFactory.getLog(DispatchLane.class);

	static final int BATCH = 64;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	/** Tasks offered and not yet run: the lane is on the threads while positive. */
	private final AtomicInteger pending = new AtomicInteger();

	private final Executor threads;

	private final String name;

	private final Runnable drain = this::drain;

	private volatile boolean shutdown;

	/** The thread running one of this lane's tasks; guarded by this. */
	private @Nullable Thread runner;

	/**
	 * Create a lane.
	 * @param threads the threads that run its tasks; {@code execute} must not block
	 * @param name the lane's name, for messages
	 */
	DispatchLane(Executor threads, String name) {
		this.threads = threads;
		this.name = name;
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
		if (this.pending.getAndIncrement() == 0) {
			schedule();
		}
	}

	private void schedule() {
		try {
			this.threads.execute(this.drain);
		}
		catch (RejectedExecutionException ex) {
			// No thread would ever run what is queued: refuse it, and all that follows.
			this.shutdown = true;
			this.tasks.clear();
			throw rejected(ex);
		}
	}

	private RejectedExecutionException rejected(@Nullable Throwable cause) {
		return new RejectedExecutionException("Dispatch lane of MCP event stream '" + this.name + "' "
				+ ((cause != null) ? "has no thread to run on" : "was shut down"), cause);
	}

	/**
	 * Stop the lane: queued tasks are discarded, a running one is interrupted, and new
	 * ones are refused.
	 */
	void shutdownNow() {
		this.shutdown = true;
		this.tasks.clear();
		synchronized (this) {
			if (this.runner != null) {
				this.runner.interrupt();
			}
		}
	}

	private void drain() {
		for (int i = 0; i < BATCH; i++) {
			Runnable task = this.tasks.poll();
			if (task == null) {
				// Cleared by shutdownNow(): the lane never runs again.
				return;
			}
			run(task);
			if (this.pending.decrementAndGet() == 0) {
				return;
			}
		}
		// More to do: take turns with the other lanes.
		try {
			this.threads.execute(this.drain);
		}
		catch (RejectedExecutionException ex) {
			this.shutdown = true;
			this.tasks.clear();
		}
	}

	private void run(Runnable task) {
		synchronized (this) {
			if (this.shutdown) {
				return;
			}
			this.runner = Thread.currentThread();
		}
		try {
			task.run();
		}
		catch (RuntimeException | Error ex) {
			// Reactor's tasks handle their own errors; keep the lane for the next ones.
			logger.error("Task of the dispatch lane of MCP event stream '" + this.name + "' failed", ex);
		}
		finally {
			synchronized (this) {
				this.runner = null;
			}
			// An interrupt of this lane's task does not reach the thread's next task,
			// which may be another stream's; none can come once runner is cleared.
			Thread.interrupted();
		}
	}

}
