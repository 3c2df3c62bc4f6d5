package io.github.cloudrunmcp.stream;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The threads on which all {@link McpEventStream}s deliver their events to listeners and
 * subscribers: each stream in arrival order, one event at a time, on whichever thread is
 * free, so that thousands of streams share a few threads.
 *
 * <p>
 * {@link #platformThreads(int)} is a bounded set of ordinary threads
 * ({@code cloudrun-mcp-dispatch-1}, ...), started as they are needed;
 * {@link #on(Executor)} runs each stream's deliveries as tasks of another executor, such
 * as one that starts a virtual thread per task. Either way a stream occupies at most one
 * thread at a time: a listener that blocks holds up its own stream and that thread, and
 * the other streams go on on the others. Listeners may block; the network threads only
 * hand events over, without locks, and never wait for a listener.
 */
public final class McpDispatchExecutor implements AutoCloseable {

	/**
	 * The number of threads of {@link #shared()} and the default of
	 * {@code cloudrun.mcp.stream.dispatch-threads}.
	 */
	public static final int DEFAULT_THREADS = 16;

	private final Executor threads;

	private final Runnable closer;

	private McpDispatchExecutor(Executor threads, Runnable closer) {
		this.threads = threads;
		this.closer = closer;
	}

	/**
	 * Create an executor over a bounded set of ordinary platform threads, named
	 * {@code cloudrun-mcp-dispatch-<n>}, started as events need them; {@link #close()}
	 * stops them.
	 * @param threads the most threads
	 * @return the executor
	 */
	public static McpDispatchExecutor platformThreads(int threads) {
		if (threads < 1) {
			throw new IllegalArgumentException(
					"cloudrun.mcp.stream.dispatch-threads must be at least 1, got " + threads);
		}
		DispatchThreadPool pool = new DispatchThreadPool("cloudrun-mcp-dispatch-", threads);
		return new McpDispatchExecutor(pool, pool::shutdown);
	}

	/**
	 * Create an executor that runs the streams' deliveries as tasks of another executor,
	 * such as Spring's {@code VirtualThreadTaskExecutor}; {@link #close()} leaves it
	 * alone.
	 * @param executor the executor; its {@code execute} is called on network threads and
	 * must not block, and its tasks may block
	 * @return the executor
	 */
	public static McpDispatchExecutor on(Executor executor) {
		Objects.requireNonNull(executor, "executor");
		return new McpDispatchExecutor(executor, () -> {
		});
	}

	/**
	 * Return the executor of streams created without one: {@value #DEFAULT_THREADS}
	 * platform threads ({@code cloudrun-mcp-dispatch-shared-<n>}) shared by the whole
	 * JVM, never closed.
	 * @return the shared executor
	 */
	public static McpDispatchExecutor shared() {
		return Shared.INSTANCE;
	}

	/**
	 * Return a new lane: a stream's serial place on these threads.
	 * @param name the stream's name, for messages
	 * @return the lane
	 */
	DispatchLane lane(String name) {
		return new DispatchLane(this.threads, name);
	}

	/**
	 * Stop the platform threads once they finished the delivery in hand (streams stop
	 * before this, delivering what they read within their shutdown grace); deliveries
	 * offered later are refused with a {@link RejectedExecutionException}.
	 */
	@Override
	public void close() {
		this.closer.run();
	}

	private static final class Shared {

		static final McpDispatchExecutor INSTANCE = new McpDispatchExecutor(
				new DispatchThreadPool("cloudrun-mcp-dispatch-shared-", DEFAULT_THREADS), () -> {
				});

	}

}
