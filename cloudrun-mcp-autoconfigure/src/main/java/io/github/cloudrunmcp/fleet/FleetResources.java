package io.github.cloudrunmcp.fleet;

import java.time.Duration;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.RetryPolicy;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.TopicName;
import org.jspecify.annotations.Nullable;

/**
 * Creates the fleet's topic and subscription where they do not exist: for development and
 * the emulator. In production they are created once, as the deploy guide shows, and the
 * service account needs no administration role.
 */
public final class FleetResources {

	private FleetResources() {
	}

	/**
	 * Create the topic, the dead-letter topic (if any) and the subscription (with message
	 * ordering, a retry policy with exponential backoff, and the dead-letter policy when
	 * a dead-letter topic is given) where they do not exist.
	 * @param connections the connections
	 * @param topic the topic's ID
	 * @param subscription the subscription's ID
	 * @param deadLetterTopic the dead-letter topic's ID, or {@code null}
	 * @param maxDeliveryAttempts deliveries before a message goes to the dead-letter
	 * topic
	 * @param ordering whether the subscription delivers each server's events in order
	 * @param retryMinBackoff the shortest delay before a message handed back comes again
	 * @param retryMaxBackoff the longest delay before a message handed back comes again
	 */
	public static void create(FleetConnections connections, String topic, String subscription,
			@Nullable String deadLetterTopic, int maxDeliveryAttempts, boolean ordering, Duration retryMinBackoff,
			Duration retryMaxBackoff) {
		String project = connections.projectId();
		try (TopicAdminClient topics = connections.topicAdmin();
				SubscriptionAdminClient subscriptions = connections.subscriptionAdmin()) {
			createTopic(topics, TopicName.of(project, topic));
			Subscription.Builder request = Subscription.newBuilder()
				.setName(ProjectSubscriptionName.of(project, subscription).toString())
				.setTopic(TopicName.of(project, topic).toString())
				.setEnableMessageOrdering(ordering)
				.setAckDeadlineSeconds(30)
				.setRetryPolicy(RetryPolicy.newBuilder()
					.setMinimumBackoff(protobuf(retryMinBackoff))
					.setMaximumBackoff(protobuf(retryMaxBackoff)));
			if (deadLetterTopic != null) {
				createTopic(topics, TopicName.of(project, deadLetterTopic));
				request.setDeadLetterPolicy(DeadLetterPolicy.newBuilder()
					.setDeadLetterTopic(TopicName.of(project, deadLetterTopic).toString())
					.setMaxDeliveryAttempts(maxDeliveryAttempts));
			}
			try {
				subscriptions.createSubscription(request.build());
			}
			catch (AlreadyExistsException ex) {
				// Created by another instance or by hand.
			}
		}
	}

	private static com.google.protobuf.Duration protobuf(Duration duration) {
		return com.google.protobuf.Duration.newBuilder()
			.setSeconds(duration.getSeconds())
			.setNanos(duration.getNano())
			.build();
	}

	private static void createTopic(TopicAdminClient topics, TopicName name) {
		try {
			topics.createTopic(name);
		}
		catch (AlreadyExistsException ex) {
			// Created by another instance or by hand.
		}
	}

}
