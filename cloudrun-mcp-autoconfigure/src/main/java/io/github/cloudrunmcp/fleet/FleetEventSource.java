package io.github.cloudrunmcp.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.github.cloudrunmcp.listener.McpListenerOutcome;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventSource;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The events of one server that reach this instance from the fleet's subscription: the
 * source of the server's {@code McpEventStream} in {@code once} delivery. Each event is
 * settled after its listeners ran: acknowledged when they all succeeded, redelivered
 * otherwise.
 */
public final class FleetEventSource implements McpEventSource, FleetFailures {

	private final String server;

	private final Sinks.Many<McpEvent> events;

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	private final Map<McpEvent, Settlement> unsettled = new ConcurrentHashMap<>();

	private final Map<String, Throwable> failures = new ConcurrentHashMap<>();

	private McpStreamStatus.State subscriberState = McpStreamStatus.State.CONNECTING;

	private @Nullable Throwable subscriberCause;

	private @Nullable McpStreamStatus reported;

	private volatile boolean closed;

	/**
	 * Create the source of a server.
	 * @param server the server's name
	 * @param capacity how many events wait for the stream at most
	 */
	public FleetEventSource(String server, int capacity) {
		this.server = server;
		this.events = Sinks.many().multicast().onBackpressureBuffer(capacity, false);
		status(McpStreamStatus.State.CONNECTING, null);
	}

	@Override
	public Flux<McpEvent> events() {
		return this.events.asFlux();
	}

	@Override
	public Flux<McpStreamStatus> statusChanges() {
		return this.statuses.asFlux();
	}

	/**
	 * Return the server's name.
	 * @return the name
	 */
	public String server() {
		return this.server;
	}

	/**
	 * Return a dispatcher that runs the given one, then settles the event: for the
	 * server's stream. An event handed back by {@link #close()} before its turn came is
	 * skipped: another instance runs its listeners.
	 * @param listeners the dispatcher that runs the listeners, or {@code null}
	 * @return the settling dispatcher
	 */
	public Consumer<McpEvent> settling(@Nullable Consumer<McpEvent> listeners) {
		return (event) -> {
			// Taking the settlement is what lets the listeners run: from here on close()
			// cannot hand the event back, so no other instance runs them too.
			Settlement settlement = this.unsettled.remove(event);
			if (settlement == null) {
				return;
			}
			boolean handled;
			try {
				handled = McpListenerOutcome.succeeded(() -> {
					if (listeners != null) {
						listeners.accept(event);
					}
				});
			}
			catch (RuntimeException | Error ex) {
				settlement.settle(false);
				throw ex;
			}
			settlement.settle(handled);
		};
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The event goes back to the subscription (its claim withdrawn, the message not
	 * acknowledged), so that this instance or another runs its listeners later: with
	 * {@code once}, an overflow policy that drops events delays them rather than losing
	 * them.
	 */
	@Override
	public void dropped(McpEvent event) {
		Settlement settlement = this.unsettled.remove(event);
		if (settlement != null) {
			settlement.settle(false);
		}
	}

	/**
	 * Hand an event to the stream.
	 * @param event the event
	 * @param settlement what to do once its listeners ran
	 * @return whether the stream took it (when not, settle it yourself)
	 */
	boolean offer(McpEvent event, Settlement settlement) {
		Sinks.EmitResult result;
		synchronized (this.events) {
			if (this.closed) {
				return false;
			}
			this.unsettled.put(event, settlement);
			result = this.events.tryEmitNext(event);
		}
		if (result.isFailure()) {
			this.unsettled.remove(event);
			return false;
		}
		return true;
	}

	/**
	 * Refuse further events and hand back those whose listeners have not started. The
	 * server's stream may still be running: it skips the events handed back, and those
	 * whose listeners are running are settled when they return.
	 */
	void close() {
		synchronized (this.events) {
			this.closed = true;
		}
		for (McpEvent event : this.unsettled.keySet()) {
			Settlement settlement = this.unsettled.remove(event);
			if (settlement != null) {
				settlement.settle(false);
			}
		}
	}

	/**
	 * Accept events again, after {@link #close()}.
	 */
	void open() {
		synchronized (this.events) {
			this.closed = false;
		}
	}

	/**
	 * Record the state of the fleet's subscriber on this instance.
	 * @param state the state
	 * @param cause why it failed, or {@code null}
	 */
	void status(McpStreamStatus.State state, @Nullable Throwable cause) {
		synchronized (this.statuses) {
			this.subscriberState = state;
			this.subscriberCause = cause;
			publishStatus();
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * While an activity's last attempt failed, the server's stream is {@code FAILED} with
	 * that failure as its cause (its health {@code DOWN}), even when the subscriber runs:
	 * events are then handed back or not published, and the operator should know.
	 */
	@Override
	public void report(String activity, @Nullable Throwable failure) {
		boolean changed = (failure != null) ? this.failures.put(activity, failure) != failure
				: this.failures.remove(activity) != null;
		if (changed) {
			synchronized (this.statuses) {
				publishStatus();
			}
		}
	}

	private void publishStatus() {
		McpStreamStatus.State state = this.subscriberState;
		Throwable cause = this.subscriberCause;
		if (state == McpStreamStatus.State.OPEN && !this.failures.isEmpty()) {
			state = McpStreamStatus.State.FAILED;
			cause = this.failures.values().iterator().next();
		}
		McpStreamStatus last = this.reported;
		if (last != null && last.state() == state && last.cause() == cause) {
			return;
		}
		McpStreamStatus status = new McpStreamStatus(state, 0, (Duration) null, cause, Instant.now());
		this.reported = status;
		this.statuses.tryEmitNext(status);
	}

	/**
	 * Settles an event received from Pub/Sub.
	 */
	interface Settlement {

		/**
		 * Acknowledge the event, or have it redelivered.
		 * @param handled whether its listeners all succeeded
		 */
		void settle(boolean handled);

	}

}
