package io.github.cloudrunmcp.fleet;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.core.ApiService;
import com.google.cloud.firestore.WriteResult;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.pubsub.v1.PubsubMessage;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.text.PrintableText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.ObjectMapper;

import org.springframework.context.SmartLifecycle;

/**
 * Consumes the fleet's subscription, one competing consumer among the fleet's instances:
 * claims each event, drops duplicates, and hands the rest to their server's
 * {@link FleetEventSource}; acknowledges a message once the event's listeners succeeded
 * and has it redelivered otherwise.
 */
public final class FleetSubscriber implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(FleetSubscriber.class);

	/**
	 * How long shutdown waits for the events claimed here to be settled: the stream's
	 * shutdown grace and a Firestore round trip.
	 */
	private static final long SETTLE_TIMEOUT_MILLIS = 10_000;

	private static final String CLAIMS = "claims";

	/**
	 * How often the claim of an event another instance is handling is looked at again.
	 */
	private static final long RECHECK_MILLIS = 1000;

	private final Function<MessageReceiver, ApiService> subscribers;

	private final Map<String, FleetEventSource> sources;

	private final EventClaims claims;

	private final ObjectMapper mapper;

	private final Stats stats = new Stats();

	/**
	 * Events claimed here whose claims are not yet marked handled or withdrawn: at
	 * shutdown they are waited for, since a claim left behind would make a later copy of
	 * its event wait for the claim timeout and then run the listeners again.
	 */
	private final AtomicLong inHand = new AtomicLong();

	/**
	 * Copies of events another instance is handling, held until its claim is settled or
	 * times out.
	 */
	private final Set<Copy> held = ConcurrentHashMap.newKeySet();

	/**
	 * How long a copy is held at most: the claim timeout and a little.
	 */
	private final Duration holdLimit;

	private final Object lock = new Object();

	private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor((runnable) -> {
		Thread thread = new Thread(runnable, "cloudrun-mcp-fleet-retries");
		thread.setDaemon(true);
		return thread;
	});

	private @Nullable ApiService subscriber;

	private volatile boolean running;

	/**
	 * Create a subscriber.
	 * @param subscribers builds the Pub/Sub subscriber of the fleet's subscription
	 * @param sources the sources of the servers delivered once, by name
	 * @param claims the event claims
	 * @param mapper the mapper for the events' JSON access
	 */
	public FleetSubscriber(Function<MessageReceiver, ApiService> subscribers, Map<String, FleetEventSource> sources,
			EventClaims claims, ObjectMapper mapper) {
		this.holdLimit = claims.claimTimeout().plusSeconds(5);
		this.subscribers = subscribers;
		this.sources = Map.copyOf(sources);
		this.claims = claims;
		this.mapper = mapper;
	}

	@Override
	public void start() {
		synchronized (this.lock) {
			if (this.running) {
				return;
			}
			this.running = true;
			this.sources.values().forEach(FleetEventSource::open);
			ApiService subscriber = this.subscribers.apply(this::receive);
			subscriber.addListener(new ApiService.Listener() {

				@Override
				public void running() {
					statusAll(McpStreamStatus.State.OPEN, null);
				}

				@Override
				public void failed(ApiService.State from, Throwable failure) {
					logger.error("The Pub/Sub subscriber of the MCP fleet failed; events delivered 'once' stop "
							+ "reaching this instance (they go to the others). Check that the subscription exists "
							+ "and that the service account has roles/pubsub.subscriber.", failure);
					statusAll(McpStreamStatus.State.FAILED, failure);
				}

			}, MoreExecutors.directExecutor());
			subscriber.startAsync();
			this.subscriber = subscriber;
		}
	}

	private void statusAll(McpStreamStatus.State state, @Nullable Throwable cause) {
		this.sources.values().forEach((source) -> source.status(state, cause));
	}

	private void receive(PubsubMessage message, AckReplyConsumer reply) {
		this.stats.received.incrementAndGet();
		if (!this.running) {
			// Stopping: the Pub/Sub client still hands over what it pulled before, which
			// goes back unclaimed (a claim made now might not be settled before Firestore
			// closes).
			if (logger.isDebugEnabled()) {
				logger.debug("MCP fleet: stopping; message " + message.getMessageId() + " (event id '"
						+ PrintableText.of(message.getAttributesOrDefault(FleetMessages.ID, "")) + "') goes back");
			}
			nack(reply);
			return;
		}
		McpEvent event = FleetMessages.toEvent(message, this.mapper);
		FleetEventSource source = (event != null) ? this.sources.get(event.server()) : null;
		if (event == null || source == null) {
			// Not an event of this fleet's configuration: another instance may know it.
			logger.warn("Pub/Sub message " + message.getMessageId() + " names no server delivered 'once' here ("
					+ PrintableText.of(message.getAttributesMap().toString()) + "); it goes back to the subscription.");
			nack(reply);
			return;
		}
		String id = FleetMessages.idOf(event);
		EventClaims.Claim claim = claim(event, id, source, "message " + message.getMessageId());
		if (claim == null) {
			nack(reply);
			return;
		}
		if (claim == EventClaims.Claim.BUSY) {
			this.stats.busy.incrementAndGet();
		}
		act(claim, new Copy(event, id, source, reply, System.nanoTime()));
	}

	/**
	 * Claim an event, or return {@code null} when Firestore could not be asked (the
	 * message goes back).
	 */
	private EventClaims.@Nullable Claim claim(McpEvent event, String id, FleetEventSource source, String copyOf) {
		EventClaims.Claim claim;
		try {
			claim = this.claims.claim(event.server(), id);
		}
		catch (RuntimeException ex) {
			source.report(CLAIMS, ex);
			logger.warn("MCP fleet: " + PrintableText.of(ex.getMessage()) + " Event id '" + PrintableText.of(id)
					+ "' of server '" + event.server() + "' goes back to the subscription.");
			return null;
		}
		source.report(CLAIMS, null);
		if (logger.isDebugEnabled()) {
			logger.debug("MCP fleet: event id '" + PrintableText.of(id) + "' of server '" + event.server() + "', "
					+ copyOf + ": " + claim);
		}
		return claim;
	}

	private void act(EventClaims.Claim claim, Copy copy) {
		switch (claim) {
			case DUPLICATE -> {
				this.stats.duplicates.incrementAndGet();
				copy.reply.ack();
			}
			case BUSY -> hold(copy);
			case CLAIMED -> {
				this.inHand.incrementAndGet();
				boolean taken = copy.source.offer(copy.event,
						(handled) -> settle(copy.event, copy.id, handled, copy.reply));
				if (!taken) {
					settle(copy.event, copy.id, false, copy.reply);
				}
			}
		}
	}

	/**
	 * Another instance is running the event's listeners: hold this copy (the Pub/Sub
	 * client extends its deadline meanwhile) and look at the claim again every
	 * {@link #RECHECK_MILLIS}, until it is handled (drop the copy), withdrawn or timed
	 * out (run the listeners here). A nack would use one of the message's delivery
	 * attempts each time, and send the events of an instance that crashed to the
	 * dead-letter topic before their claims time out. The copy goes back only after the
	 * claim timeout (and a little) without an answer, or when this instance stops.
	 */
	private void hold(Copy copy) {
		if (!this.running) {
			nack(copy.reply);
			return;
		}
		this.held.add(copy);
		try {
			this.retries.schedule(() -> recheck(copy), RECHECK_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			release(copy);
		}
	}

	private void recheck(Copy copy) {
		if (!this.held.remove(copy)) {
			// Handed back by stop().
			return;
		}
		if (!this.running) {
			nack(copy.reply);
			return;
		}
		if (System.nanoTime() - copy.since > this.holdLimit.toNanos()) {
			logger.warn("MCP fleet: event id '" + PrintableText.of(copy.id) + "' of server '" + copy.event.server()
					+ "' was still claimed by another instance after " + this.holdLimit.toSeconds()
					+ " s; its copy goes back to the subscription. Is cloudrun.mcp.fleet.claim-timeout the same on "
					+ "every instance?");
			nack(copy.reply);
			return;
		}
		EventClaims.Claim claim = claim(copy.event, copy.id, copy.source, "held copy");
		if (claim == null) {
			nack(copy.reply);
			return;
		}
		act(claim, copy);
	}

	private void release(Copy copy) {
		if (this.held.remove(copy)) {
			nack(copy.reply);
		}
	}

	private void settle(McpEvent event, String id, boolean handled, AckReplyConsumer reply) {
		if (logger.isDebugEnabled()) {
			logger.debug("MCP fleet: event id '" + PrintableText.of(id) + "' of server '" + event.server() + "' "
					+ (handled ? "handled" : "handed back"));
		}
		if (handled) {
			this.stats.handled.incrementAndGet();
			after(this.claims.handled(event.server(), id), this.sources.get(event.server()), () -> {
				reply.ack();
				this.inHand.decrementAndGet();
			});
		}
		else {
			this.stats.failed.incrementAndGet();
			after(this.claims.withdraw(event.server(), id), this.sources.get(event.server()), () -> {
				nack(reply);
				this.inHand.decrementAndGet();
			});
		}
	}

	/**
	 * Wait until every event claimed here is settled and its claim written: those whose
	 * listeners are running, and those handed back.
	 */
	private boolean awaitInHand(long timeoutMillis) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		while (this.inHand.get() > 0) {
			if (System.nanoTime() - deadline >= 0) {
				return false;
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return true;
	}

	/**
	 * A message in hand and its event.
	 */
	private record Copy(McpEvent event, String id, FleetEventSource source, AckReplyConsumer reply, long since) {
	}

	private void nack(AckReplyConsumer reply) {
		this.stats.nacked.incrementAndGet();
		reply.nack();
	}

	/**
	 * Settle the message once Firestore answered, whatever it answered: a claim that
	 * could not be marked handled runs out after the claim timeout.
	 */
	private static void after(ApiFuture<WriteResult> write, @Nullable FleetFailures failures, Runnable then) {
		FleetFailures reported = (failures != null) ? failures : FleetFailures.NONE;
		ApiFutures.addCallback(write, new ApiFutureCallback<>() {

			@Override
			public void onFailure(Throwable ex) {
				logger.warn("MCP fleet: could not update an event claim in Firestore: " + ex.getClass().getSimpleName()
						+ ": " + PrintableText.of(ex.getMessage()));
				reported.report(CLAIMS, ex);
				then.run();
			}

			@Override
			public void onSuccess(WriteResult result) {
				then.run();
			}

		}, MoreExecutors.directExecutor());
	}

	@Override
	public void stop() {
		ApiService subscriber;
		synchronized (this.lock) {
			if (!this.running) {
				return;
			}
			this.running = false;
			subscriber = this.subscriber;
			this.subscriber = null;
		}
		// The streams still run (a lower phase stops later): the events queued to them
		// go back to the subscription for the other instances, and the stream skips
		// them; those whose listeners are running are settled when they return.
		this.sources.values().forEach(FleetEventSource::close);
		this.held.forEach(this::release);
		if (!awaitInHand(SETTLE_TIMEOUT_MILLIS)) {
			logger.warn("MCP fleet: " + this.inHand.get() + " event(s) claimed here were not settled within "
					+ SETTLE_TIMEOUT_MILLIS + " ms of shutdown (listeners still running, or Firestore not answering);"
					+ " their copies run again elsewhere once cloudrun.mcp.fleet.claim-timeout has passed.");
		}
		if (subscriber != null) {
			try {
				subscriber.stopAsync().awaitTerminated(10, TimeUnit.SECONDS);
			}
			catch (TimeoutException | IllegalStateException ex) {
				logger.warn("The Pub/Sub subscriber of the MCP fleet did not stop within 10 s; messages not yet "
						+ "acknowledged are redelivered to other instances.");
			}
		}
		statusAll(McpStreamStatus.State.CLOSED, null);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Starts after the consuming streams ({@link McpEventStream#PHASE}) have subscribed
	 * to their sources, and stops before them: the Pub/Sub subscriber waits at shutdown
	 * for the events in hand to be settled, which the streams' listeners do.
	 */
	@Override
	public int getPhase() {
		return McpEventStream.PHASE + 1;
	}

	/**
	 * Return the counters of what this instance consumed.
	 * @return the counters
	 */
	public Stats stats() {
		return this.stats;
	}

	/**
	 * Counters of a fleet subscriber.
	 */
	public static final class Stats {

		private final AtomicLong received = new AtomicLong();

		private final AtomicLong handled = new AtomicLong();

		private final AtomicLong failed = new AtomicLong();

		private final AtomicLong duplicates = new AtomicLong();

		private final AtomicLong nacked = new AtomicLong();

		private final AtomicLong busy = new AtomicLong();

		/**
		 * Return the copies of events another instance was handling, held and looked at
		 * again until that instance settled them.
		 * @return the count
		 */
		public long busy() {
			return this.busy.get();
		}

		/**
		 * Return the messages received.
		 * @return the count
		 */
		public long received() {
			return this.received.get();
		}

		/**
		 * Return the events whose listeners all succeeded.
		 * @return the count
		 */
		public long handled() {
			return this.handled.get();
		}

		/**
		 * Return the events whose listeners failed (redelivered).
		 * @return the count
		 */
		public long failed() {
			return this.failed.get();
		}

		/**
		 * Return the copies of handled events dropped before listeners ran.
		 * @return the count
		 */
		public long duplicates() {
			return this.duplicates.get();
		}

		/**
		 * Return the messages handed back for redelivery.
		 * @return the count
		 */
		public long nacked() {
			return this.nacked.get();
		}

	}

}
