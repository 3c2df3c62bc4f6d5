package io.github.cloudrunmcp.stream;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;

import org.springframework.context.SmartLifecycle;

/**
 * Keeps the JVM up while event streams run: an application whose only work is
 * {@link io.github.cloudrunmcp.listener.McpListener @McpListener} methods has no web
 * server or other non-daemon thread, and would otherwise exit right after start-up.
 *
 * <p>
 * While started, it holds one non-daemon thread ({@code cloudrun-mcp-keep-alive}, parked,
 * no CPU) until every stream has ended for good ({@code CLOSED} or {@code FAILED}: the
 * server said 204, refused, or attempts ran out) or the application context stops. Then
 * the thread ends, and an application with nothing else to do exits (its shutdown hook
 * closes the context).
 */
public final class McpStreamKeepAlive implements SmartLifecycle {

	/** Thread name, for diagnostics. */
	public static final String THREAD_NAME = "cloudrun-mcp-keep-alive";

	private final Supplier<List<McpEventStream>> streams;

	private final Object lock = new Object();

	private @Nullable Thread thread;

	private @Nullable CountDownLatch released;

	private @Nullable Disposable watches;

	/**
	 * Create a keep-alive.
	 * @param streams the streams to wait for, asked for when it starts
	 */
	public McpStreamKeepAlive(Supplier<List<McpEventStream>> streams) {
		this.streams = Objects.requireNonNull(streams, "streams");
	}

	@Override
	public void start() {
		synchronized (this.lock) {
			if (this.thread != null) {
				return;
			}
			List<McpEventStream> watched = List.copyOf(this.streams.get());
			if (watched.isEmpty()) {
				return;
			}
			CountDownLatch release = new CountDownLatch(1);
			Disposable.Composite subscriptions = Disposables.composite();
			for (McpEventStream stream : watched) {
				subscriptions.add(stream.statusChanges().subscribe((status) -> {
					if (watched.stream().allMatch(McpStreamKeepAlive::ended)) {
						release.countDown();
					}
				}));
			}
			Thread holder = new Thread(() -> {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, THREAD_NAME);
			holder.setDaemon(false);
			holder.start();
			this.thread = holder;
			this.released = release;
			this.watches = subscriptions;
		}
	}

	private static boolean ended(McpEventStream stream) {
		McpStreamStatus.State state = stream.status().state();
		return state == McpStreamStatus.State.CLOSED || state == McpStreamStatus.State.FAILED;
	}

	@Override
	public void stop() {
		synchronized (this.lock) {
			if (this.released != null) {
				this.released.countDown();
			}
			if (this.watches != null) {
				this.watches.dispose();
			}
			this.thread = null;
			this.released = null;
			this.watches = null;
		}
	}

	@Override
	public boolean isRunning() {
		synchronized (this.lock) {
			return this.thread != null;
		}
	}

	/**
	 * Starts after the streams and stops before them.
	 * @return the phase
	 */
	@Override
	public int getPhase() {
		return McpEventStream.PHASE + 1;
	}

	/**
	 * Return whether the keep-alive thread is holding the JVM up.
	 * @return whether some stream has not ended for good
	 */
	public boolean isHolding() {
		Thread holder;
		synchronized (this.lock) {
			holder = this.thread;
		}
		return holder != null && holder.isAlive();
	}

}
