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
public final class FleetEventSource implements McpEventSource {

	private final String server;

	private final Sinks.Many<McpEvent> events;

	private final Sinks.Many<McpStreamStatus> statuses = Sinks.many().replay().latest();

	private final Map<McpEvent, Settlement> unsettled = new ConcurrentHashMap<>();

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
	 * server's stream.
	 * @param listeners the dispatcher that runs the listeners, or {@code null}
	 * @return the settling dispatcher
	 */
	public Consumer<McpEvent> settling(@Nullable Consumer<McpEvent> listeners) {
		return (event) -> {
			boolean handled;
			try {
				handled = McpListenerOutcome.succeeded(() -> {
					if (listeners != null) {
						listeners.accept(event);
					}
				});
			}
			catch (RuntimeException | Error ex) {
				settle(event, false);
				throw ex;
			}
			settle(event, handled);
		};
	}

	/**
	 * Hand an event to the stream.
	 * @param event the event
	 * @param settlement what to do once its listeners ran
	 * @return whether the stream took it (when not, settle it yourself)
	 */
	boolean offer(McpEvent event, Settlement settlement) {
		if (this.closed) {
			return false;
		}
		this.unsettled.put(event, settlement);
		Sinks.EmitResult result;
		synchronized (this.events) {
			result = this.events.tryEmitNext(event);
		}
		if (result.isFailure()) {
			this.unsettled.remove(event);
			return false;
		}
		return true;
	}

	/**
	 * Refuse further events and hand back those whose listeners have not run: called once
	 * the server's stream stopped, so that no listener is running.
	 */
	void close() {
		this.closed = true;
		for (McpEvent event : this.unsettled.keySet()) {
			settle(event, false);
		}
	}

	/**
	 * Accept events again, after {@link #close()}.
	 */
	void open() {
		this.closed = false;
	}

	void settle(McpEvent event, boolean handled) {
		Settlement settlement = this.unsettled.remove(event);
		if (settlement != null) {
			settlement.settle(handled);
		}
	}

	void status(McpStreamStatus.State state, @Nullable Throwable cause) {
		this.statuses.tryEmitNext(new McpStreamStatus(state, 0, (Duration) null, cause, Instant.now()));
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
