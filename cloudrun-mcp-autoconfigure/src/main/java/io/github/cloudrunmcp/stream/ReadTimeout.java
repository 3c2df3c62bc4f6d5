package io.github.cloudrunmcp.stream;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A connection's read timeout without a timer per network buffer: each buffer only notes
 * when it arrived, and one timer per connection fires at the earliest moment the silence
 * could have lasted the timeout; when a buffer came since, it is set again for the rest
 * of the timeout from that buffer. {@code Flux.timeout(Duration)} cancels and schedules a
 * task on a shared timer queue, under its lock, for every buffer; with many streams that
 * each receive one event per read, that was a large part of the network threads' work.
 *
 * <p>
 * As with {@code Flux.timeout}, the wait starts at subscription and again at every
 * element, whether or not the subscriber asked for more; at its end the elements stop
 * (the body is cancelled, closing the connection) and a {@link TimeoutException} follows.
 */
final class ReadTimeout {

	private final long timeoutNanos;

	private final Scheduler timer;

	private final String message;

	private volatile long lastRead;

	private volatile boolean expired;

	/**
	 * Create the timeout of one connection.
	 * @param timeout the longest silence
	 * @param message the message of the {@link TimeoutException}
	 */
	ReadTimeout(Duration timeout, String message) {
		this(timeout, message, Schedulers.parallel());
	}

	ReadTimeout(Duration timeout, String message, Scheduler timer) {
		this.timeoutNanos = timeout.toNanos();
		this.message = message;
		this.timer = timer;
	}

	/**
	 * Return the elements of a flux until it falls silent for the timeout, then a
	 * {@link TimeoutException}; subscribe once.
	 * @param <T> the type of the elements
	 * @param elements the elements (the network buffers)
	 * @return the elements, then an error if the timeout ran out
	 */
	<T> Flux<T> apply(Flux<T> elements) {
		return Flux.defer(() -> {
			this.lastRead = System.nanoTime();
			// takeUntilOther subscribes to the silence first, and cancels it (and its
			// timer) when the elements end or the subscriber cancels.
			return elements.doOnNext((element) -> this.lastRead = System.nanoTime())
				.takeUntilOther(Mono.create(this::watch))
				.concatWith(
						Flux.defer(() -> this.expired ? Flux.error(new TimeoutException(this.message)) : Flux.empty()));
		});
	}

	private void watch(MonoSink<Boolean> sink) {
		Watch watch = new Watch(sink);
		sink.onDispose(watch::dispose);
		watch.schedule(this.timeoutNanos);
	}

	/**
	 * The timer of one subscription.
	 */
	private final class Watch {

		private final MonoSink<Boolean> sink;

		private volatile boolean disposed;

		private volatile @Nullable Disposable pending;

		Watch(MonoSink<Boolean> sink) {
			this.sink = sink;
		}

		void schedule(long nanos) {
			Disposable next = ReadTimeout.this.timer.schedule(this::check, nanos, TimeUnit.NANOSECONDS);
			this.pending = next;
			if (this.disposed) {
				next.dispose();
			}
		}

		private void check() {
			if (this.disposed) {
				return;
			}
			long silence = System.nanoTime() - ReadTimeout.this.lastRead;
			long left = ReadTimeout.this.timeoutNanos - silence;
			if (left > 0) {
				schedule(left);
				return;
			}
			ReadTimeout.this.expired = true;
			this.sink.success(Boolean.TRUE);
		}

		void dispose() {
			this.disposed = true;
			Disposable current = this.pending;
			if (current != null) {
				current.dispose();
			}
		}

	}

}
