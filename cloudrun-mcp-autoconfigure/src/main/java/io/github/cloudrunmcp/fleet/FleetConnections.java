package io.github.cloudrunmcp.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;

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
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Builds the Pub/Sub and Firestore clients of the fleet: against the real services with
 * the application's default credentials, or against the emulators on the given hosts
 * (plaintext, no credentials).
 *
 * @param projectId the Google Cloud project
 * @param pubsubEmulatorHost host:port of a Pub/Sub emulator, or {@code null}
 * @param firestoreEmulatorHost host:port of a Firestore emulator, or {@code null}
 * @param firestoreDatabase the Firestore database
 */
public record FleetConnections(String projectId, @Nullable String pubsubEmulatorHost,
		@Nullable String firestoreEmulatorHost, String firestoreDatabase) {

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
	 * Build a subscriber to a subscription.
	 * @param subscription the subscription's ID
	 * @param receiver the receiver of its messages
	 * @param maxOutstanding how many messages may be in hand, unacknowledged, at most
	 * @return the subscriber, not started
	 */
	public Subscriber subscriber(String subscription, MessageReceiver receiver, int maxOutstanding) {
		Subscriber.Builder builder = Subscriber
			.newBuilder(ProjectSubscriptionName.of(this.projectId, subscription), receiver)
			.setFlowControlSettings(
					FlowControlSettings.newBuilder().setMaxOutstandingElementCount((long) maxOutstanding).build())
			.setMaxAckExtensionPeriod(org.threeten.bp.Duration.ofMinutes(10));
		if (this.pubsubEmulatorHost != null) {
			builder.setChannelProvider(emulatorChannel()).setCredentialsProvider(noCredentials());
		}
		return builder.build();
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
		ManagedChannel channel = ManagedChannelBuilder.forTarget(this.pubsubEmulatorHost).usePlaintext().build();
		return FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
	}

	private static CredentialsProvider noCredentials() {
		return NoCredentialsProvider.create();
	}

}
