package io.github.cloudrunmcp.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.google.api.core.ApiService;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.FirestoreOptions;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.cloud.pubsub.v1.stub.GrpcSubscriberStub;
import com.google.cloud.pubsub.v1.stub.SubscriberStubSettings;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Builds the Pub/Sub and Firestore clients of the fleet: against the real services with
 * the application's default credentials, or against the emulators on the given hosts
 * (plaintext, no credentials). Against the Pub/Sub emulator every client built here
 * shares one gRPC channel, created with the first client and shut down by
 * {@link #close()} (the clients do not shut down a channel they were given): close the
 * connections after the clients built from them.
 */
public final class FleetConnections implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(FleetConnections.class);

	/**
	 * The default of {@code cloudrun.mcp.fleet.ack-deadline}.
	 */
	public static final Duration DEFAULT_ACK_DEADLINE = Duration.ofSeconds(20);

	/**
	 * The default of {@code cloudrun.mcp.fleet.max-ack-extension}.
	 */
	public static final Duration DEFAULT_MAX_ACK_EXTENSION = Duration.ofMinutes(10);

	private final String projectId;

	private final @Nullable String pubsubEmulatorHost;

	private final @Nullable String firestoreEmulatorHost;

	private final String firestoreDatabase;

	private final Duration ackDeadline;

	private final Duration maxAckExtension;

	private final Object lock = new Object();

	private @Nullable ManagedChannel emulatorChannel;

	private boolean closed;

	/**
	 * Create the connections, with the subscriber's default ack deadlines.
	 * @param projectId the Google Cloud project
	 * @param pubsubEmulatorHost host:port of a Pub/Sub emulator, or {@code null}
	 * @param firestoreEmulatorHost host:port of a Firestore emulator, or {@code null}
	 * @param firestoreDatabase the Firestore database
	 */
	public FleetConnections(String projectId, @Nullable String pubsubEmulatorHost,
			@Nullable String firestoreEmulatorHost, String firestoreDatabase) {
		this(projectId, pubsubEmulatorHost, firestoreEmulatorHost, firestoreDatabase, DEFAULT_ACK_DEADLINE,
				DEFAULT_MAX_ACK_EXTENSION);
	}

	/**
	 * Create the connections.
	 * @param projectId the Google Cloud project
	 * @param pubsubEmulatorHost host:port of a Pub/Sub emulator, or {@code null}
	 * @param firestoreEmulatorHost host:port of a Firestore emulator, or {@code null}
	 * @param firestoreDatabase the Firestore database
	 * @param ackDeadline the longest deadline the subscriber asks for a message in hand
	 * at a time (it extends it while the message is in hand): a message held by an
	 * instance that died goes back to the subscription within it
	 * @param maxAckExtension how long the subscriber keeps a message in hand at most
	 */
	public FleetConnections(String projectId, @Nullable String pubsubEmulatorHost,
			@Nullable String firestoreEmulatorHost, String firestoreDatabase, Duration ackDeadline,
			Duration maxAckExtension) {
		if (ackDeadline.compareTo(Duration.ofSeconds(10)) < 0 || ackDeadline.compareTo(Duration.ofSeconds(600)) > 0) {
			throw new IllegalArgumentException("cloudrun.mcp.fleet.ack-deadline is " + ackDeadline
					+ ": Pub/Sub takes ack deadlines from 10 s to 600 s; set it between them.");
		}
		if (maxAckExtension.compareTo(ackDeadline) < 0) {
			throw new IllegalArgumentException("cloudrun.mcp.fleet.max-ack-extension (" + maxAckExtension
					+ ") is shorter than cloudrun.mcp.fleet.ack-deadline (" + ackDeadline
					+ "); set it longer, and longer than cloudrun.mcp.fleet.claim-timeout.");
		}
		this.projectId = projectId;
		this.pubsubEmulatorHost = pubsubEmulatorHost;
		this.firestoreEmulatorHost = firestoreEmulatorHost;
		this.firestoreDatabase = firestoreDatabase;
		this.ackDeadline = ackDeadline;
		this.maxAckExtension = maxAckExtension;
	}

	/**
	 * Return the Google Cloud project.
	 * @return the project's ID
	 */
	public String projectId() {
		return this.projectId;
	}

	/**
	 * Return the Pub/Sub emulator's host:port.
	 * @return the host and port, or {@code null} for the real service
	 */
	public @Nullable String pubsubEmulatorHost() {
		return this.pubsubEmulatorHost;
	}

	/**
	 * Return the Firestore emulator's host:port.
	 * @return the host and port, or {@code null} for the real service
	 */
	public @Nullable String firestoreEmulatorHost() {
		return this.firestoreEmulatorHost;
	}

	/**
	 * Return the Firestore database.
	 * @return the database's ID
	 */
	public String firestoreDatabase() {
		return this.firestoreDatabase;
	}

	/**
	 * Build the Firestore client.
	 * @return the client; close it when done
	 */
	public Firestore firestore() {
		FirestoreOptions.Builder options = FirestoreOptions.newBuilder()
			.setProjectId(this.projectId)
			.setDatabaseId(this.firestoreDatabase);
		if (this.firestoreEmulatorHost != null) {
			options.setEmulatorHost(this.firestoreEmulatorHost);
		}
		return options.build().getService();
	}

	/**
	 * Build a publisher to a topic, with message ordering enabled.
	 * @param topic the topic's ID
	 * @return the publisher; shut it down when done
	 */
	public Publisher publisher(String topic) {
		try {
			Publisher.Builder builder = Publisher.newBuilder(TopicName.of(this.projectId, topic))
				.setEnableMessageOrdering(true);
			if (this.pubsubEmulatorHost != null) {
				builder.setChannelProvider(emulatorChannel()).setCredentialsProvider(noCredentials());
			}
			return builder.build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create the Pub/Sub publisher of topic " + topic, ex);
		}
	}

	/**
	 * Build a subscriber to a subscription: the client library's streaming-pull
	 * {@link Subscriber} against the real service; against the emulator, a subscriber
	 * that pulls with unary calls ({@link EmulatorSubscriber} says why).
	 * @param subscription the subscription's ID
	 * @param receiver the receiver of its messages
	 * @param maxOutstanding how many messages may be in hand, unacknowledged, at most
	 * @param ordering whether the subscription orders messages by ordering key (the
	 * emulator's subscriber then hands one key's messages over one at a time)
	 * @return the subscriber, not started
	 */
	public ApiService subscriber(String subscription, MessageReceiver receiver, int maxOutstanding, boolean ordering) {
		ProjectSubscriptionName name = ProjectSubscriptionName.of(this.projectId, subscription);
		if (this.pubsubEmulatorHost != null) {
			try {
				SubscriberStubSettings settings = SubscriberStubSettings.newBuilder()
					.setTransportChannelProvider(emulatorChannel())
					.setCredentialsProvider(noCredentials())
					.build();
				return new EmulatorSubscriber(GrpcSubscriberStub.create(settings), name.toString(), receiver,
						maxOutstanding, this.ackDeadline, this.maxAckExtension, ordering);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not create the Pub/Sub subscriber of " + subscription, ex);
			}
		}
		return Subscriber.newBuilder(name, receiver)
			.setFlowControlSettings(
					FlowControlSettings.newBuilder().setMaxOutstandingElementCount((long) maxOutstanding).build())
			.setMaxDurationPerAckExtensionDuration(this.ackDeadline)
			.setMaxAckExtensionPeriodDuration(this.maxAckExtension)
			.build();
	}

	/**
	 * Build a topic administration client.
	 * @return the client; close it when done
	 */
	public TopicAdminClient topicAdmin() {
		try {
			TopicAdminSettings.Builder settings = TopicAdminSettings.newBuilder();
			if (this.pubsubEmulatorHost != null) {
				settings.setTransportChannelProvider(emulatorChannel()).setCredentialsProvider(noCredentials());
			}
			return TopicAdminClient.create(settings.build());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Build a subscription administration client.
	 * @return the client; close it when done
	 */
	public SubscriptionAdminClient subscriptionAdmin() {
		try {
			SubscriptionAdminSettings.Builder settings = SubscriptionAdminSettings.newBuilder();
			if (this.pubsubEmulatorHost != null) {
				settings.setTransportChannelProvider(emulatorChannel()).setCredentialsProvider(noCredentials());
			}
			return SubscriptionAdminClient.create(settings.build());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private TransportChannelProvider emulatorChannel() {
		synchronized (this.lock) {
			if (this.closed) {
				throw new IllegalStateException("The fleet's connections are closed");
			}
			ManagedChannel channel = this.emulatorChannel;
			if (channel == null) {
				channel = ManagedChannelBuilder.forTarget(this.pubsubEmulatorHost).usePlaintext().build();
				this.emulatorChannel = channel;
			}
			return FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
		}
	}

	/**
	 * Return the channel to the Pub/Sub emulator, for tests.
	 * @return the channel, or {@code null} if none was created
	 */
	@Nullable ManagedChannel sharedEmulatorChannel() {
		synchronized (this.lock) {
			return this.emulatorChannel;
		}
	}

	/**
	 * Shut down the channel to the Pub/Sub emulator, if any: after the clients built here
	 * stopped.
	 */
	@Override
	public void close() {
		ManagedChannel channel;
		synchronized (this.lock) {
			this.closed = true;
			channel = this.emulatorChannel;
			this.emulatorChannel = null;
		}
		if (channel == null) {
			return;
		}
		channel.shutdown();
		try {
			if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
				logger.debug("The channel to the Pub/Sub emulator did not terminate within 5 s; shutting it down now");
				channel.shutdownNow();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			channel.shutdownNow();
		}
	}

	private static CredentialsProvider noCredentials() {
		return NoCredentialsProvider.create();
	}

}
