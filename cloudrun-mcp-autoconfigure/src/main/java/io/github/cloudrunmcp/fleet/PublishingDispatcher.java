package io.github.cloudrunmcp.fleet;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.text.PrintableText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The dispatcher of a held stream: publishes each event to Pub/Sub while the lease is
 * valid, and keeps the resume position, the ID of the last event whose publication and
 * that of every event before it Pub/Sub confirmed.
 *
 * <p>
 * Once the lease is no longer valid, or a publication failed, it publishes nothing more:
 * the events from there on are published again by the next holder, which resumes from the
 * confirmed position. Copies of events published past that position are dropped by the
 * consumers' claims.
 */
final class PublishingDispatcher implements Consumer<McpEvent> {

	private static final Log logger = LogFactory.getLog(PublishingDispatcher.class);

	private final Publisher publisher;

	private final StreamLease lease;

	private final Deque<Publication> inFlight = new ArrayDeque<>();

	private String confirmed;

	private volatile boolean stopped;

	private volatile @Nullable Throwable failure;

	private volatile boolean confirmedAny;

	private long published;

	PublishingDispatcher(Publisher publisher, StreamLease lease, String resumeFrom) {
		this.publisher = publisher;
		this.lease = lease;
		this.confirmed = resumeFrom;
	}

	@Override
	public void accept(McpEvent event) {
		if (this.stopped) {
			return;
		}
		if (!this.lease.isValid()) {
			// Fencing: another instance may take the lease over soon.
			stop("the lease of server '" + event.server() + "' ran out before it could be renewed");
			return;
		}
		String id = FleetMessages.idOf(event);
		ApiFuture<String> future = this.publisher.publish(FleetMessages.toMessage(event, id));
		Publication publication = new Publication(id, future);
		synchronized (this.inFlight) {
			this.inFlight.addLast(publication);
			this.published++;
		}
		ApiFutures.addCallback(future, new ApiFutureCallback<>() {

			@Override
			public void onFailure(Throwable ex) {
				PublishingDispatcher.this.failure = ex;
				stop("publishing event id '" + PrintableText.of(id) + "' of server '" + event.server() + "' failed: "
						+ ex.getClass().getSimpleName() + ": " + PrintableText.of(ex.getMessage()));
			}

			@Override
			public void onSuccess(String messageId) {
				advance();
			}

		}, MoreExecutors.directExecutor());
	}

	private void advance() {
		synchronized (this.inFlight) {
			while (!this.inFlight.isEmpty() && this.inFlight.peekFirst().future().isDone()) {
				Publication head = this.inFlight.peekFirst();
				if (!succeeded(head.future())) {
					return;
				}
				this.inFlight.removeFirst();
				this.confirmed = head.id();
				this.confirmedAny = true;
			}
		}
	}

	private static boolean succeeded(ApiFuture<String> future) {
		try {
			future.get(0, TimeUnit.MILLISECONDS);
			return true;
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			return false;
		}
	}

	private void stop(String why) {
		if (!this.stopped) {
			this.stopped = true;
			logger.warn("Stopped publishing MCP events to Pub/Sub: " + why
					+ ". The next holder of the stream resumes after the last confirmed event, '"
					+ PrintableText.of(confirmed()) + "'.");
		}
	}

	/**
	 * Return whether the dispatcher stopped publishing.
	 * @return whether it stopped
	 */
	boolean stopped() {
		return this.stopped;
	}

	/**
	 * Return why a publication failed, if one did.
	 * @return the failure, or {@code null}
	 */
	@Nullable Throwable failure() {
		return this.failure;
	}

	/**
	 * Return whether Pub/Sub confirmed a publication of this dispatcher.
	 * @return whether it confirmed one
	 */
	boolean confirmedAny() {
		return this.confirmedAny;
	}

	/**
	 * Return the ID of the last event confirmed with every event before it.
	 * @return the event ID, or the position the holder resumed from
	 */
	String confirmed() {
		synchronized (this.inFlight) {
			return this.confirmed;
		}
	}

	/**
	 * Return how many events were published.
	 * @return the count
	 */
	long published() {
		synchronized (this.inFlight) {
			return this.published;
		}
	}

	/**
	 * Wait until every publication in flight is confirmed or failed.
	 * @param timeoutMillis how long to wait at most
	 */
	void awaitInFlight(long timeoutMillis) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		while (!this.stopped && System.nanoTime() - deadline < 0) {
			Publication head;
			synchronized (this.inFlight) {
				head = this.inFlight.peekFirst();
			}
			if (head == null) {
				return;
			}
			try {
				head.future()
					.get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
							TimeUnit.MILLISECONDS);
			}
			catch (Exception ex) {
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
				return;
			}
			advance();
		}
	}

	private record Publication(String id, ApiFuture<String> future) {
	}

}
