package io.github.cloudrunmcp.observation;

import java.util.List;
import java.util.Objects;

import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;

import org.springframework.context.SmartLifecycle;

/**
 * Observes every connection of some event streams ({@code mcp.stream.connection}), read
 * from their {@link McpEventStream#statusChanges() status changes}: nothing is added to
 * the event path. A connection starts with the attempt to connect and ends when the
 * stream reconnects, closes or fails; one that opened carries an event
 * {@code mcp.stream.opened}.
 */
public final class McpStreamConnectionObservations implements SmartLifecycle {

	/** Starts before the streams and stops after them, so no connection is missed. */
	public static final int PHASE = McpEventStream.PHASE - 1;

	private final List<McpEventStream> streams;

	private final ObservationRegistry registry;

	private final @Nullable McpStreamConnectionObservationConvention convention;

	private volatile Disposable.Composite subscriptions = Disposables.composite();

	private volatile boolean running;

	/**
	 * Observe some streams.
	 * @param streams the streams
	 * @param registry where observations go
	 * @param convention replaces the default convention, or {@code null}
	 */
	public McpStreamConnectionObservations(List<McpEventStream> streams, ObservationRegistry registry,
			@Nullable McpStreamConnectionObservationConvention convention) {
		this.streams = List.copyOf(Objects.requireNonNull(streams, "streams"));
		this.registry = Objects.requireNonNull(registry, "registry");
		this.convention = convention;
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		Disposable.Composite composite = Disposables.composite();
		for (McpEventStream stream : this.streams) {
			Connections connections = new Connections(stream);
			composite.add(stream.statusChanges().subscribe(connections::on));
		}
		this.subscriptions = composite;
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		this.subscriptions.dispose();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * The observation of one stream's current connection; statuses of one stream come one
	 * at a time.
	 */
	private final class Connections {

		private final McpEventStream stream;

		private @Nullable Observation current;

		private @Nullable McpStreamConnectionObservationContext context;

		Connections(McpEventStream stream) {
			this.stream = stream;
		}

		synchronized void on(McpStreamStatus status) {
			switch (status.state()) {
				case NEW -> {
				}
				case CONNECTING -> {
					end(McpStreamStatus.State.RECONNECTING, null);
					begin();
				}
				case OPEN -> {
					Observation observation = begin();
					McpStreamConnectionObservationContext opened = this.context;
					if (opened != null && !opened.isOpened()) {
						opened.setOpened();
						observation.event(Observation.Event.of("mcp.stream.opened"));
					}
				}
				case RECONNECTING -> {
					end(McpStreamStatus.State.RECONNECTING, status.cause());
					if (status.nextDelay() == null) {
						// A source that reports the reopen itself as RECONNECTING is
						// connecting now.
						begin();
					}
				}
				case CLOSED, FAILED -> end(status.state(), status.cause());
			}
		}

		private Observation begin() {
			Observation observation = this.current;
			if (observation != null) {
				return observation;
			}
			McpStreamConnectionObservationContext started = new McpStreamConnectionObservationContext(
					this.stream.server(), this.stream.url());
			observation = Observation
				.createNotStarted(McpStreamConnectionObservations.this.convention,
						new DefaultMcpStreamConnectionObservationConvention(), () -> started,
						McpStreamConnectionObservations.this.registry)
				.start();
			this.current = observation;
			this.context = started;
			return observation;
		}

		private void end(McpStreamStatus.State state, @Nullable Throwable cause) {
			Observation observation = this.current;
			McpStreamConnectionObservationContext ended = this.context;
			if (observation == null || ended == null) {
				return;
			}
			this.current = null;
			this.context = null;
			ended.setEnd(state);
			if (cause != null) {
				observation.error(cause);
			}
			observation.stop();
		}

	}

}
