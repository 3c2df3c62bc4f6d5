package io.github.cloudrunmcp.fleet;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.BiFunction;

import com.google.cloud.pubsub.v1.Publisher;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.text.PrintableText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Competes for the lease on one server's stream and, while this instance holds it, holds
 * the stream open and publishes its events to Pub/Sub.
 *
 * <p>
 * Every quarter of the lease's duration it tries to take the lease or renews it with the
 * resume position. When the lease is lost or runs out, or a publication fails, it stops
 * the stream; at shutdown it stops the stream, waits for the publications in flight and
 * gives the lease up with the position, so that another instance takes over at once.
 */
public final class FleetStreamHolder implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(FleetStreamHolder.class);

	private static final String LEASE = "lease";

	private static final String PUBLISHING = "publishing";

	private final String server;

	private final StreamLease lease;

	private final Publisher publisher;

	private final BiFunction<Consumer<McpEvent>, String, McpEventStream> streams;

	private final FleetFailures failures;

	private final Object lock = new Object();

	private @Nullable ScheduledExecutorService scheduler;

	private volatile @Nullable Term term;

	private volatile boolean running;

	private volatile long terms;

	private volatile @Nullable Throwable lastFailure;

	/**
	 * Create a holder.
	 * @param server the server's name
	 * @param lease the lease on the server's stream
	 * @param publisher the publisher to the fleet's topic, with message ordering enabled
	 * @param streams creates the server's stream with the given dispatcher, resuming
	 * after the given event ID
	 * @param source the source of the server's events on this instance, whose status
	 * shows the lease's and the publications' failures
	 */
	public FleetStreamHolder(String server, StreamLease lease, Publisher publisher,
			BiFunction<Consumer<McpEvent>, String, McpEventStream> streams, FleetEventSource source) {
		this.server = server;
		this.lease = lease;
		this.publisher = publisher;
		this.streams = streams;
		this.failures = source;
	}

	@Override
	public void start() {
		synchronized (this.lock) {
			if (this.running) {
				return;
			}
			this.running = true;
			ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
				Thread thread = new Thread(runnable, "cloudrun-mcp-fleet-" + this.server);
				thread.setDaemon(true);
				return thread;
			});
			long period = Math.max(1, this.lease.duration().toMillis() / 4);
			scheduler.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
			this.scheduler = scheduler;
		}
	}

	private void tick() {
		synchronized (this.lock) {
			if (!this.running) {
				return;
			}
			Term current = this.term;
			try {
				if (current == null) {
					String resumeFrom = this.lease.acquire();
					if (resumeFrom != null) {
						begin(resumeFrom);
					}
				}
				else if (current.dispatcher().stopped()) {
					Throwable failure = current.dispatcher().failure();
					if (failure != null) {
						this.failures.report(PUBLISHING, failure);
					}
					end(current, true);
				}
				else if (!this.lease.renew(current.dispatcher().confirmed())) {
					logger.warn("Another instance took the lease of MCP server '" + this.server
							+ "'; this instance stops holding its stream.");
					end(current, false);
				}
				else if (current.dispatcher().confirmedAny()) {
					this.failures.report(PUBLISHING, null);
				}
				this.lastFailure = null;
				this.failures.report(LEASE, null);
			}
			catch (RuntimeException ex) {
				this.lastFailure = ex;
				this.failures.report(LEASE, ex);
				logger.warn("MCP fleet, server '" + this.server + "': " + PrintableText.of(ex.getMessage()));
				if (current != null && !this.lease.isValid()) {
					end(current, false);
				}
			}
		}
	}

	private void begin(String resumeFrom) {
		// After a failed publication Pub/Sub refuses the key until told to resume.
		this.publisher.resumePublish(this.server);
		PublishingDispatcher dispatcher = new PublishingDispatcher(this.publisher, this.lease, resumeFrom);
		McpEventStream stream = this.streams.apply(dispatcher, resumeFrom);
		this.term = new Term(stream, dispatcher);
		this.terms++;
		logger.info("This instance holds the stream of MCP server '" + this.server + "', "
				+ (resumeFrom.isEmpty() ? "from the server's current events (no event was confirmed before)."
						: "resuming after event id '" + PrintableText.of(resumeFrom) + "'."));
		stream.start();
	}

	private void end(Term term, boolean release) {
		this.term = null;
		term.stream().stop();
		term.dispatcher().awaitInFlight(this.lease.duration().toMillis() / 4);
		if (release) {
			try {
				this.lease.release(term.dispatcher().confirmed());
			}
			catch (RuntimeException ex) {
				logger.warn("MCP fleet, server '" + this.server + "': " + PrintableText.of(ex.getMessage())
						+ "; the lease runs out by itself.");
			}
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService scheduler;
		synchronized (this.lock) {
			if (!this.running) {
				return;
			}
			this.running = false;
			Term current = this.term;
			if (current != null) {
				end(current, true);
			}
			scheduler = this.scheduler;
			this.scheduler = null;
		}
		if (scheduler != null) {
			scheduler.shutdownNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Stops before the consuming stream ({@link McpEventStream#PHASE}), so that another
	 * instance takes the stream over while this one drains, and starts after it.
	 */
	@Override
	public int getPhase() {
		return McpEventStream.PHASE + 1;
	}

	/**
	 * Return whether this instance holds the server's stream now.
	 * @return whether it holds the stream
	 */
	public boolean isHolding() {
		return this.term != null && this.lease.isValid();
	}

	/**
	 * Return how many times this instance took the server's stream.
	 * @return the count
	 */
	public long terms() {
		return this.terms;
	}

	/**
	 * Return the last failure to reach Firestore, until the next success.
	 * @return the failure, or {@code null}
	 */
	public @Nullable Throwable lastFailure() {
		return this.lastFailure;
	}

	/**
	 * Return the server's name.
	 * @return the name
	 */
	public String server() {
		return this.server;
	}

	private record Term(McpEventStream stream, PublishingDispatcher dispatcher) {
	}

}
