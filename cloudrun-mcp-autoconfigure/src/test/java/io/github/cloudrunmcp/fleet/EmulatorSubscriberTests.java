package io.github.cloudrunmcp.fleet;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.google.api.core.ApiService;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet's subscriber on the Pub/Sub emulator, which pulls with unary calls: a
 * subscriber that stopped leaves nothing behind at the emulator that would take messages
 * (as a cancelled streaming pull does there), and a message handed back comes again.
 */
class EmulatorSubscriberTests {

	private static GoogleCloudEmulator pubsub;

	@BeforeAll
	static void startEmulator() {
		pubsub = GoogleCloudEmulator.pubsub();
	}

	@AfterAll
	static void stopEmulator() {
		if (pubsub != null) {
			pubsub.close();
		}
	}

	@Test
	void aStoppedSubscriberTakesNoMoreMessagesAndAHandedBackMessageComesAgain() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		try (FleetConnections connections = new FleetConnections("fleet-test", pubsub.hostPort(), null, "(default)")) {
			FleetResources.create(connections, "topic-" + run, "sub-" + run, null, 5, true, Duration.ZERO,
					Duration.ZERO);
			// Subscribers that start and stop, as the instances of a fleet do.
			for (int i = 0; i < 3; i++) {
				ApiService stopped = connections.subscriber("sub-" + run, (message, reply) -> reply.nack(), 10, true);
				stopped.startAsync().awaitRunning(60, TimeUnit.SECONDS);
				Thread.sleep(200);
				stopped.stopAsync().awaitTerminated(120, TimeUnit.SECONDS);
			}
			Map<String, Integer> received = new ConcurrentHashMap<>();
			ApiService subscriber = connections.subscriber("sub-" + run, (message, reply) -> {
				String id = message.getData().toStringUtf8();
				// The first copy of message 7 goes back.
				if (received.merge(id, 1, Integer::sum) == 1 && id.equals("7")) {
					reply.nack();
				}
				else {
					reply.ack();
				}
			}, 1000, true);
			subscriber.startAsync().awaitRunning(60, TimeUnit.SECONDS);
			Publisher publisher = connections.publisher("topic-" + run);
			try {
				for (int i = 1; i <= 100; i++) {
					publisher.publish(PubsubMessage.newBuilder()
						.setData(ByteString.copyFromUtf8(String.valueOf(i)))
						.setOrderingKey("default")
						.build());
				}
				publisher.publishAllOutstanding();
				await().atMost(Duration.ofSeconds(90)).until(() -> received.size() == 100 && received.get("7") == 2);
			}
			finally {
				publisher.shutdown();
				publisher.awaitTermination(30, TimeUnit.SECONDS);
				subscriber.stopAsync().awaitTerminated(120, TimeUnit.SECONDS);
			}
			assertThat(received).hasSize(100);
			assertThat(received.values()).containsOnly(1, 2);
		}
	}

}
