package io.github.cloudrunmcp.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import com.google.cloud.firestore.Firestore;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpFleetAutoConfiguration;
import io.github.cloudrunmcp.health.McpServerHealthIndicator;
import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FaultProxy;
import io.grpc.ManagedChannel;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances of a fleet as application contexts in this JVM against one event server, with
 * the Pub/Sub and Firestore emulators on loopback: hand-back at shutdown, fencing and
 * health. The fleet test with instances killed is {@link FleetFailoverTests}.
 */
@ExtendWith(OutputCaptureExtension.class)
class FleetDeliveryTests {

	private static GoogleCloudEmulator pubsub;

	private static GoogleCloudEmulator firestore;

	private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

	private final Recorder recorder = new Recorder();

	private FakeEventServer server;

	private String run;

	@BeforeAll
	static void startEmulators() {
		pubsub = GoogleCloudEmulator.pubsub();
		firestore = GoogleCloudEmulator.firestore();
	}

	@AfterAll
	static void stopEmulators() {
		if (pubsub != null) {
			pubsub.close();
		}
		if (firestore != null) {
			firestore.close();
		}
	}

	@BeforeEach
	void startServer() {
		this.server = new FakeEventServer().start();
		this.run = UUID.randomUUID().toString().substring(0, 8);
	}

	@AfterEach
	void stopAll() {
		this.instances.forEach(ConfigurableApplicationContext::close);
		this.server.stop();
	}

	@Test
	void theClientsOfAnInstanceShareOneChannelToTheEmulatorClosedWithTheContext(CapturedOutput output)
			throws Exception {
		String[] emulator = pubsub.hostPort().split(":");
		try (FaultProxy proxy = FaultProxy.to(emulator[0], Integer.parseInt(emulator[1])).start()) {
			ConfigurableApplicationContext instance = instance("once",
					"cloudrun.mcp.fleet.pubsub-emulator-host=127.0.0.1:" + proxy.port());
			this.instances.add(instance);
			this.server.publishNumbered(3);
			await().atMost(Duration.ofSeconds(120))
				.until(() -> IntStream.rangeClosed(1, 3).allMatch((id) -> this.recorder.counts.containsKey("" + id)));
			// The topic and subscription administration, the publisher and the
			// subscriber: one connection.
			assertThat(proxy.connections()).isOne();
			ManagedChannel channel = instance.getBean(FleetConnections.class).sharedEmulatorChannel();
			assertThat(channel).isNotNull();
			this.instances.remove(instance);
			instance.close();
			assertThat(channel.isTerminated()).as("the channel is shut down with the context").isTrue();
		}
		// The first holder of the stream had no event to resume after, and says so.
		assertThat(output).contains("holds the stream of MCP server 'default', from the server's current events")
			.doesNotContain("resuming after event id ''");
	}

	@Test
	void aCopyOfAnEventAnotherInstanceClaimedIsHeldWithoutUsingItsDeliveryAttempts() throws Exception {
		Duration claimTimeout = Duration.ofSeconds(20);
		// Five attempts, the fewest Pub/Sub allows: a nack per look at the claim would
		// use them up well within the claim timeout.
		ConfigurableApplicationContext instance = instance("once", "cloudrun.mcp.fleet.max-delivery-attempts=5",
				"cloudrun.mcp.fleet.claim-timeout=" + claimTimeout.toSeconds() + "s");
		this.instances.add(instance);
		await().atMost(Duration.ofSeconds(120)).until(() -> holder() == instance);
		// An instance that crashed while it ran event 1's listeners left its claim.
		long claimed = System.nanoTime();
		try (Firestore store = new FleetConnections("fleet-test", null, firestore.hostPort(), "(default)")
			.firestore()) {
			EventClaims crashed = new EventClaims(store, "claims-" + this.run, "crashed", claimTimeout,
					Duration.ofHours(1));
			// A busy emulator can take longer than a claim waits: try again (a claim that
			// went through finds itself BUSY).
			await().atMost(Duration.ofSeconds(60))
				.ignoreExceptionsInstanceOf(FleetStoreException.class)
				.until(() -> crashed.claim("default", "1") != EventClaims.Claim.DUPLICATE);
		}
		this.server.publishNumbered(2);
		await().atMost(Duration.ofSeconds(120))
			.until(() -> this.recorder.counts.containsKey("1") && this.recorder.counts.containsKey("2"));
		assertThat(Duration.ofNanos(System.nanoTime() - claimed)).as("event 1 ran once the crashed claim timed out")
			.isGreaterThanOrEqualTo(claimTimeout);
		FleetSubscriber.Stats stats = instance.getBean(FleetSubscriber.class).stats();
		assertThat(stats.busy()).as("copies found claimed by another instance").isOne();
		assertThat(stats.nacked()).as("messages handed back").isZero();
		assertThat(stats.received()).as("messages received").isEqualTo(2);
		Thread.sleep(2000);
		assertThat(this.recorder.counts.get("1")).hasValue(1);
	}

	@Test
	void aStoppingInstanceRunsNoListenerOfTheEventsItHandsBack() throws Exception {
		this.recorder.blockOn = "1";
		// Unordered: the emulator hands out no message of an ordering key while one of
		// that key is in hand, and here events 2 to 5 must reach the first instance while
		// event 1's listener runs.
		ConfigurableApplicationContext first = instance("once", "cloudrun.mcp.fleet.message-ordering=false");
		this.instances.add(first);
		// Generous: a cold emulator on a busy machine takes seconds to answer at first.
		await().atMost(Duration.ofSeconds(120)).until(() -> holder() == first);
		this.server.publishNumbered(5);
		assertThat(this.recorder.blocked.await(60, TimeUnit.SECONDS)).isTrue();
		// Events 2 to 5 wait in the first instance's stream behind event 1, whose
		// listener runs.
		FleetSubscriber.Stats stats = first.getBean(FleetSubscriber.class).stats();
		await().atMost(Duration.ofSeconds(60)).until(() -> stats.received() >= 5);
		this.instances.add(instance("once", "cloudrun.mcp.fleet.message-ordering=false"));
		this.instances.remove(first);
		Thread closing = new Thread(first::close, "closing-first-instance");
		closing.start();
		// Time for the second instance to get and run whatever the first hands back.
		Thread.sleep(3000);
		this.recorder.release.countDown();
		closing.join(30_000);
		await().atMost(Duration.ofSeconds(60)).conditionEvaluationListener((condition) -> {
			if (!condition.isSatisfied() && condition.getRemainingTimeInMS() < 500) {
				System.out.println("fleet: handled so far " + this.recorder.counts);
			}
		}).until(() -> IntStream.rangeClosed(1, 5).allMatch((id) -> this.recorder.counts.containsKey("" + id)));
		// A second handling would show up now.
		Thread.sleep(2000);
		for (int id = 1; id <= 5; id++) {
			assertThat(this.recorder.counts.get(String.valueOf(id))).as("handlings of event %d", id).hasValue(1);
		}
	}

	@Test
	void aHolderPausedPastItsLeasePublishesNothingOnceAnotherTookOver() throws Exception {
		FleetConnections connections = new FleetConnections("fleet-test", pubsub.hostPort(), firestore.hostPort(),
				"(default)");
		String topic = "fencing-" + this.run;
		FleetResources.create(connections, topic, topic, null, 5, true, Duration.ofSeconds(1), Duration.ofSeconds(10));
		Publisher publisher = connections.publisher(topic);
		try (Firestore store = connections.firestore()) {
			StreamLease first = new StreamLease(store, "leases-" + this.run, "default", "first", Duration.ofSeconds(4));
			StreamLease second = new StreamLease(store, "leases-" + this.run, "default", "second",
					Duration.ofSeconds(4));
			assertThat(first.acquire()).isEmpty();
			PublishingDispatcher dispatcher = new PublishingDispatcher(publisher, first, "");
			dispatcher.accept(event("1"));
			dispatcher.awaitInFlight(30_000);
			assertThat(dispatcher.confirmed()).isEqualTo("1");
			// The first holder pauses past its lease (a long collection, a throttled
			// CPU): it does not renew, and the second takes the stream over.
			await().atMost(Duration.ofSeconds(60)).until(() -> second.acquire() != null);
			dispatcher.accept(event("2"));
			dispatcher.awaitInFlight(30_000);
			assertThat(dispatcher.stopped()).isTrue();
			assertThat(dispatcher.published()).isOne();
			assertThat(first.renew("2")).isFalse();
			assertThat(published(connections, topic)).containsExactly("1");
		}
		finally {
			publisher.shutdown();
			publisher.awaitTermination(10, TimeUnit.SECONDS);
			connections.close();
		}
	}

	private static McpEvent event(String id) {
		return new McpEvent("default", id, "message", "{\"n\":" + id + "}", JsonMapper.builder().build());
	}

	/**
	 * Return the event IDs of the messages on the subscription, pulled until none came
	 * for a few seconds.
	 */
	private static List<String> published(FleetConnections connections, String subscription) {
		List<String> ids = new ArrayList<>();
		String name = ProjectSubscriptionName.of(connections.projectId(), subscription).toString();
		try (SubscriptionAdminClient subscriptions = connections.subscriptionAdmin()) {
			long quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
			while (System.nanoTime() - quietUntil < 0) {
				PullResponse response = subscriptions.pull(name, 10);
				for (ReceivedMessage received : response.getReceivedMessagesList()) {
					ids.add(received.getMessage().getAttributesOrThrow(FleetMessages.ID));
					subscriptions.acknowledge(name, List.of(received.getAckId()));
					quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
				}
			}
		}
		return ids;
	}

	@Test
	void anUnreachableFirestoreShowsInTheServersHealth() {
		ConfigurableApplicationContext instance = instance("once",
				"cloudrun.mcp.fleet.firestore-emulator-host=127.0.0.1:" + closedPort());
		this.instances.add(instance);
		McpServerHealthIndicator health = new McpServerHealthIndicator(instance.getBean(McpEventStream.class), null);
		await().atMost(Duration.ofSeconds(60)).until(() -> health.health().getStatus().equals(Status.DOWN));
		assertThat(health.health().getDetails()).containsEntry("state", "FAILED")
			.hasEntrySatisfying("error",
					(error) -> assertThat(error).asString()
						.startsWith("FleetStoreException")
						.contains("the lease", "Firestore"));
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private ConfigurableApplicationContext holder() {
		for (ConfigurableApplicationContext instance : this.instances) {
			if (instance.isActive() && instance.getBeansOfType(FleetStreamHolder.class)
				.values()
				.stream()
				.anyMatch(FleetStreamHolder::isHolding)) {
				return instance;
			}
		}
		return null;
	}

	private ConfigurableApplicationContext instance(String delivery, String... overrides) {
		String name = "instance-" + this.instances.size() + "-" + UUID.randomUUID().toString().substring(0, 4);
		return new SpringApplicationBuilder(FleetApplication.class).web(WebApplicationType.NONE)
			.initializers((context) -> context.getBeanFactory().registerSingleton("recorder", this.recorder))
			.properties("spring.main.banner-mode=off",
					"logging.level.io.github.cloudrunmcp.fleet=" + System.getProperty("fleet.log", "INFO"),
					"cloudrun.mcp.base-url=" + this.server.origin(), "cloudrun.mcp.delivery=" + delivery,
					"cloudrun.mcp.stream.reconnect.initial-delay=50ms", "cloudrun.mcp.fleet.project-id=fleet-test",
					"cloudrun.mcp.fleet.topic=events-" + this.run, "cloudrun.mcp.fleet.subscription=events-" + this.run,
					"cloudrun.mcp.fleet.dead-letter-topic=dead-" + this.run, "cloudrun.mcp.fleet.create-resources=true",
					"cloudrun.mcp.fleet.lease-collection=leases-" + this.run,
					"cloudrun.mcp.fleet.claim-collection=claims-" + this.run, "cloudrun.mcp.fleet.lease-duration=6s",
					"cloudrun.mcp.fleet.claim-timeout=60s", "cloudrun.mcp.fleet.instance-id=" + name,
					"cloudrun.mcp.fleet.message-ordering=" + System.getProperty("fleet.ordering", "true"),
					"cloudrun.mcp.fleet.pubsub-emulator-host=" + pubsub.hostPort(),
					"cloudrun.mcp.fleet.firestore-emulator-host=" + firestore.hostPort())
			.properties(overrides)
			.run();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ CloudRunMcpAutoConfiguration.class, McpFleetAutoConfiguration.class,
			McpEventStreamAutoConfiguration.class })
	static class FleetApplication {

	}

	/**
	 * Counts the handlings of each event across the fleet; can block one event's listener
	 * until released.
	 */
	static final class Recorder {

		final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

		final CountDownLatch blocked = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		volatile @Nullable String blockOn;

		@McpListener
		void handle(McpEvent event) throws InterruptedException {
			String id = event.id();
			if (id.equals(this.blockOn) && this.blocked.getCount() > 0) {
				this.blocked.countDown();
				this.release.await();
			}
			this.counts.computeIfAbsent(id, (key) -> new AtomicInteger()).incrementAndGet();
		}

	}

}
