package io.github.cloudrunmcp.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.google.api.core.AbstractApiService;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.stub.SubscriberStub;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The fleet's consumer on the Pub/Sub emulator: unary {@code Pull}, {@code Acknowledge}
 * and {@code ModifyAckDeadline} calls instead of the {@code StreamingPull} of the client
 * library's {@code Subscriber}, which the real service keeps.
 *
 * <p>
 * Why: the emulator of the Google Cloud CLI (0.8.20) fails on a streaming pull that its
 * client cancels, as a stopping subscriber does ({@code NoSuchMethodError} of
 * {@code io.grpc.InternalStatus} in its {@code onRstStreamRead}), so it never learns that
 * the stream ended. The stream's pusher keeps taking messages from the subscription every
 * 50 ms and writes them to a stream nobody reads: each time such a message's deadline
 * passes, it can be taken again by the dead stream, and on an ordered subscription every
 * ordering key hashed to that stream stays with it. Messages were lost for good that way.
 * A unary pull holds nothing once answered: a message pulled by an instance that stopped
 * or died comes back when its deadline passes, as on the real service. Pulls ask to be
 * answered at once ({@code return_immediately}), so none is left hanging at the emulator
 * when an instance stops.
 *
 * <p>
 * Like the client library's subscriber it keeps at most {@code maxOutstanding} messages
 * in hand, extends their deadlines by {@code ackDeadline} at a time until
 * {@code maxAckExtension} has passed, sends acknowledgements and nacks in batches, and
 * hands the messages of one ordering key to the receiver one at a time, in order, when
 * the subscription orders them.
 */
final class EmulatorSubscriber extends AbstractApiService {

	private static final Log logger = LogFactory.getLog(EmulatorSubscriber.class);

	/** How long the emulator may take to answer a call. */
	private static final long CALL_TIMEOUT_SECONDS = 60;

	/** How often acknowledgements and nacks are sent. */
	private static final long FLUSH_MILLIS = 50;

	/** How long to wait before the next pull when the last one brought nothing. */
	private static final long IDLE_MILLIS = 50;

	private static final int MAX_PULL = 1000;

	private static final int LANES = 4;

	private final SubscriberStub stub;

	private final String subscription;

	private final MessageReceiver receiver;

	private final int maxOutstanding;

	private final Duration ackDeadline;

	private final Duration maxAckExtension;

	private final boolean ordering;

	/** The messages in hand, by ack ID, with the time they were pulled. */
	private final Map<String, Long> outstanding = new ConcurrentHashMap<>();

	private final Queue<String> acks = new ConcurrentLinkedQueue<>();

	private final Queue<String> nacks = new ConcurrentLinkedQueue<>();

	private final Object capacity = new Object();

	private final List<ExecutorService> lanes = new ArrayList<>();

	private final AtomicInteger nextLane = new AtomicInteger();

	private final AtomicLong pulled = new AtomicLong();

	private final ScheduledExecutorService scheduler;

	private final Thread puller;

	private volatile boolean pulling;

	/**
	 * Create a subscriber; it closes the stub when it stops.
	 * @param stub the stub of the emulator's subscriber API
	 * @param subscription the subscription's full name
	 * @param receiver the receiver of its messages
	 * @param maxOutstanding how many messages may be in hand at most
	 * @param ackDeadline the deadline asked for at a time
	 * @param maxAckExtension how long a message is kept in hand at most
	 * @param ordering whether the subscription orders messages by ordering key
	 */
	EmulatorSubscriber(SubscriberStub stub, String subscription, MessageReceiver receiver, int maxOutstanding,
			Duration ackDeadline, Duration maxAckExtension, boolean ordering) {
		this.stub = stub;
		this.subscription = subscription;
		this.receiver = receiver;
		this.maxOutstanding = Math.max(1, maxOutstanding);
		this.ackDeadline = ackDeadline;
		this.maxAckExtension = maxAckExtension;
		this.ordering = ordering;
		this.scheduler = Executors
			.newSingleThreadScheduledExecutor((runnable) -> daemon(runnable, "cloudrun-mcp-fleet-acks"));
		for (int i = 0; i < LANES; i++) {
			String name = "cloudrun-mcp-fleet-receive-" + (i + 1);
			this.lanes.add(Executors.newSingleThreadExecutor((runnable) -> daemon(runnable, name)));
		}
		this.puller = daemon(this::pullLoop, "cloudrun-mcp-fleet-pull");
	}

	private static Thread daemon(Runnable runnable, String name) {
		Thread thread = new Thread(runnable, name);
		thread.setDaemon(true);
		return thread;
	}

	@Override
	protected void doStart() {
		this.pulling = true;
		this.scheduler.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
		long extendEvery = Math.max(1000, this.ackDeadline.toMillis() / 2);
		this.scheduler.scheduleWithFixedDelay(this::extend, extendEvery, extendEvery, TimeUnit.MILLISECONDS);
		this.puller.start();
		notifyStarted();
	}

	@Override
	protected void doStop() {
		this.pulling = false;
		synchronized (this.capacity) {
			this.capacity.notifyAll();
		}
		Thread stopper = daemon(this::shutdown, "cloudrun-mcp-fleet-pull-stop");
		stopper.start();
	}

	private void shutdown() {
		try {
			this.puller.join(TimeUnit.SECONDS.toMillis(CALL_TIMEOUT_SECONDS));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		// The messages already pulled reach the receiver, which hands them back when it
		// is stopping.
		for (ExecutorService lane : this.lanes) {
			lane.shutdown();
		}
		for (ExecutorService lane : this.lanes) {
			try {
				lane.awaitTermination(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.scheduler.shutdown();
		try {
			this.scheduler.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		// Whatever is still in hand goes back now rather than when its deadline passes.
		this.nacks.addAll(this.outstanding.keySet());
		flush();
		this.stub.close();
		notifyStopped();
	}

	private void pullLoop() {
		long backoff = 0;
		while (this.pulling) {
			int room = awaitRoom();
			if (room <= 0) {
				continue;
			}
			try {
				@SuppressWarnings("deprecation")
				PullRequest request = PullRequest.newBuilder()
					.setSubscription(this.subscription)
					.setMaxMessages(Math.min(room, MAX_PULL))
					.setReturnImmediately(true)
					.build();
				PullResponse response = this.stub.pullCallable()
					.futureCall(request)
					.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
				backoff = 0;
				if (response.getReceivedMessagesCount() == 0) {
					pause(IDLE_MILLIS);
					continue;
				}
				received(response.getReceivedMessagesList());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (ExecutionException | TimeoutException ex) {
				Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
				if (!retryable(cause)) {
					this.pulling = false;
					notifyFailed(cause);
					return;
				}
				backoff = Math.min(5000, Math.max(100, backoff * 2));
				if (logger.isDebugEnabled()) {
					logger.debug("Pulling from the Pub/Sub emulator failed (" + cause + "); trying again in " + backoff
							+ " ms");
				}
				pause(backoff);
			}
		}
	}

	private static boolean retryable(Throwable failure) {
		if (failure instanceof ApiException api) {
			StatusCode.Code code = api.getStatusCode().getCode();
			return code != StatusCode.Code.NOT_FOUND && code != StatusCode.Code.PERMISSION_DENIED
					&& code != StatusCode.Code.INVALID_ARGUMENT && code != StatusCode.Code.FAILED_PRECONDITION
					&& code != StatusCode.Code.UNAUTHENTICATED;
		}
		return true;
	}

	private int awaitRoom() {
		synchronized (this.capacity) {
			while (this.pulling && this.outstanding.size() >= this.maxOutstanding) {
				try {
					this.capacity.wait(100);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					this.pulling = false;
				}
			}
			return this.maxOutstanding - this.outstanding.size();
		}
	}

	private void pause(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.pulling = false;
		}
	}

	private void received(List<ReceivedMessage> messages) {
		long now = System.nanoTime();
		List<String> ackIds = new ArrayList<>(messages.size());
		for (ReceivedMessage message : messages) {
			this.outstanding.put(message.getAckId(), now);
			ackIds.add(message.getAckId());
		}
		this.pulled.addAndGet(messages.size());
		// The subscription's own deadline may be longer than the one asked for here.
		modify(ackIds, (int) this.ackDeadline.toSeconds());
		for (ReceivedMessage message : messages) {
			Settlement reply = new Settlement(message.getAckId());
			try {
				lane(message).execute(() -> {
					try {
						this.receiver.receiveMessage(message.getMessage(), reply);
					}
					catch (RuntimeException ex) {
						logger.warn("The receiver of the MCP fleet failed on a message; it goes back.", ex);
						reply.nack();
					}
				});
			}
			catch (RejectedExecutionException ex) {
				reply.nack();
			}
		}
	}

	private ExecutorService lane(ReceivedMessage message) {
		String key = message.getMessage().getOrderingKey();
		if (this.ordering && !key.isEmpty()) {
			return this.lanes.get(Math.floorMod(key.hashCode(), LANES));
		}
		return this.lanes.get(Math.floorMod(this.nextLane.getAndIncrement(), LANES));
	}

	private void settled(String ackId, boolean ack) {
		if (this.outstanding.remove(ackId) == null) {
			return;
		}
		(ack ? this.acks : this.nacks).add(ackId);
		synchronized (this.capacity) {
			this.capacity.notifyAll();
		}
	}

	/**
	 * Send the acknowledgements and nacks collected since the last flush.
	 */
	private void flush() {
		List<String> ackIds = drain(this.acks);
		if (!ackIds.isEmpty()) {
			call("acknowledge", () -> this.stub.acknowledgeCallable()
				.futureCall(
						AcknowledgeRequest.newBuilder().setSubscription(this.subscription).addAllAckIds(ackIds).build())
				.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
		}
		List<String> nackIds = drain(this.nacks);
		if (!nackIds.isEmpty()) {
			modify(nackIds, 0);
		}
	}

	/**
	 * Extend the deadlines of the messages in hand, except those held longer than
	 * {@code maxAckExtension}, which are left to run out (and still acknowledged if they
	 * are settled before that).
	 */
	private void extend() {
		long now = System.nanoTime();
		List<String> ackIds = new ArrayList<>();
		this.outstanding.forEach((ackId, since) -> {
			if (now - since < this.maxAckExtension.toNanos()) {
				ackIds.add(ackId);
			}
		});
		if (!ackIds.isEmpty()) {
			modify(ackIds, (int) this.ackDeadline.toSeconds());
		}
	}

	private void modify(List<String> ackIds, int seconds) {
		for (int from = 0; from < ackIds.size(); from += MAX_PULL) {
			List<String> batch = ackIds.subList(from, Math.min(ackIds.size(), from + MAX_PULL));
			call("modify the ack deadline of",
					() -> this.stub.modifyAckDeadlineCallable()
						.futureCall(ModifyAckDeadlineRequest.newBuilder()
							.setSubscription(this.subscription)
							.addAllAckIds(batch)
							.setAckDeadlineSeconds(seconds)
							.build())
						.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
		}
	}

	private void call(String what, Call call) {
		try {
			call.run();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			// The messages come again once their deadlines pass; the claims drop copies
			// of what was handled.
			logger.warn("Could not " + what + " messages at the Pub/Sub emulator: " + ex.getClass().getSimpleName()
					+ "; they come again once their deadlines pass.");
		}
	}

	private static List<String> drain(Queue<String> queue) {
		List<String> drained = new ArrayList<>();
		for (String ackId = queue.poll(); ackId != null; ackId = queue.poll()) {
			drained.add(ackId);
		}
		return drained;
	}

	/**
	 * Return how many messages were pulled.
	 * @return the count
	 */
	long pulled() {
		return this.pulled.get();
	}

	@FunctionalInterface
	private interface Call {

		void run() throws InterruptedException, ExecutionException, TimeoutException;

	}

	/**
	 * Settles one message, once.
	 */
	private final class Settlement implements AckReplyConsumer {

		private final String ackId;

		private final AtomicBoolean settled = new AtomicBoolean();

		Settlement(String ackId) {
			this.ackId = ackId;
		}

		@Override
		public void ack() {
			if (this.settled.compareAndSet(false, true)) {
				settled(this.ackId, true);
			}
		}

		@Override
		public void nack() {
			if (this.settled.compareAndSet(false, true)) {
				settled(this.ackId, false);
			}
		}

	}

}
