package io.github.cloudrunmcp.fleet;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.cloud.firestore.DocumentReference;
import com.google.cloud.firestore.DocumentSnapshot;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.QueryDocumentSnapshot;
import io.github.cloudrunmcp.test.FakeEventServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The fleet test: three instances in {@code once} delivery, each a JVM of its own
 * ({@link FleetInstance}), against one event server, with the Pub/Sub and Firestore
 * emulators on loopback and message ordering on. While the events flow, the holder of the
 * stream is ended five times at random points, in turn with SIGKILL (a crash: no shutdown
 * hook, the lease runs out, claims stay unfinished, the messages it held come back when
 * their deadline passes) and SIGTERM (a graceful stop: the lease is given up, the events
 * not started are handed back), and a new instance joins each time.
 *
 * <p>
 * What it asserts:
 * <ul>
 * <li>every event is handled, and exactly once, except the events whose claims a crashed
 * instance left unfinished (read from Firestore right after the crash): those are handled
 * at least once and at most twice (the documented exception: an instance died while their
 * listeners ran, or after they ran and before the claim was marked handled, and another
 * instance ran them again once {@code claim-timeout} had passed);</li>
 * <li>order, per instance: Pub/Sub delivers one ordering key's messages in publication
 * order, and an instance runs the listeners of one server's events in the order it
 * received them. So on each instance, the events that reached the fleet once (one
 * delivery of one publication, no failure) are handled in increasing order. An event that
 * came again (failed on purpose, handed back by a stopping instance, taken over from a
 * crashed one, or published again by a new holder) can come after later ones, and so can
 * any event in flight (published, not yet handled) when an instance ended: the messages
 * an instance held come back when their deadline passes, possibly after later ones.</li>
 * </ul>
 *
 * <p>
 * It runs in every build with 1,000 events ({@code -Dfleet.events}, {@code -Dfleet.kills}
 * change the size); {@code benchmarks/fleet.sh} runs it with 10,000 for the figures. It
 * is skipped, saying so, where the Google Cloud CLI is missing. On the emulator the
 * instances consume with unary pulls ({@link EmulatorSubscriber} says why), not the
 * streaming pull they use against the real service. Timeouts are long on purpose: the
 * test waits as long as the fleet makes progress and fails only when no event has been
 * handled for {@link #STALL}, or after {@link #OVERALL}.
 */
class FleetFailoverTests {

	private static final int EVENTS = Integer.getInteger("fleet.events", 1000);

	private static final int KILLS = Integer.getInteger("fleet.kills", 5);

	private static final int INSTANCES = 3;

	private static final Duration LEASE = Duration.ofSeconds(6);

	private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(20);

	/** How long the fleet may handle nothing before the test gives up. */
	private static final Duration STALL = Duration.ofMinutes(3);

	/** How long the whole run may take at most. */
	private static final Duration OVERALL = Duration.ofMinutes(20);

	/** How long a failover (or an instance's start) may take before the test gives up. */
	private static final Duration FAILOVER = Duration.ofMinutes(2);

	private static final Pattern RECEIPT = Pattern
		.compile("(?:[Ee]vent id '(\\d+)' of server '\\w+', message \\S+: (\\w+))"
				+ "|(?:message \\S+ \\(event id '(\\d+)'\\) goes back)|(?:Event id '(\\d+)' of server '\\w+' goes back)");

	private static GoogleCloudEmulator pubsub;

	private static GoogleCloudEmulator firestore;

	private final List<Instance> instances = new ArrayList<>();

	private final List<Instance> retired = new ArrayList<>();

	/** Whether the subscription orders each server's events. */
	private boolean ordering = true;

	private FakeEventServer server;

	private String run;

	private Firestore store;

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
	void start() {
		this.server = new FakeEventServer().start();
		this.run = UUID.randomUUID().toString().substring(0, 8);
		this.store = new FleetConnections("fleet-test", pubsub.hostPort(), firestore.hostPort(), "(default)")
			.firestore();
	}

	@AfterEach
	void stop() throws Exception {
		for (Instance instance : this.instances) {
			instance.process.destroyForcibly();
		}
		this.server.stop();
		this.store.close();
	}

	@Test
	void onceDeliveryHandlesEveryEventOnceInOrderAcrossTheFleetWhileHoldersAreKilledOrStopped() throws Exception {
		fleet(true, "fleet-1-killed");
	}

	/**
	 * Run the fleet, end the holder {@link #KILLS} times (with crashes, in turn SIGKILL
	 * and SIGTERM; without, SIGTERM only) and check what was handled: every event once,
	 * except those in hand at a crash; on an ordered subscription, the order per
	 * instance.
	 */
	private void fleet(boolean crashes, String row) throws Exception {
		for (int i = 0; i < INSTANCES; i++) {
			this.instances.add(launch());
		}
		// A loaded machine has taken more than two minutes to start them: the stall
		// clock starts once they are up.
		long booting = System.nanoTime();
		while (!this.instances.stream().allMatch(Instance::started)) {
			if (System.nanoTime() - booting > STALL.toNanos()) {
				fail("The instances did not start within %s%s", STALL, diagnostics());
			}
			Thread.sleep(200);
		}
		Random random = new Random(14);
		int[] killAt = new int[KILLS];
		for (int k = 0; k < KILLS; k++) {
			killAt[k] = EVENTS * (k + 1) / (KILLS + 1) + random.nextInt(Math.max(1, EVENTS / (2 * (KILLS + 1))));
		}
		boolean crashFirst = random.nextBoolean();
		List<Long> gracefulFailovers = new ArrayList<>();
		List<Long> crashFailovers = new ArrayList<>();
		Set<String> atLeastOnce = new HashSet<>();
		Set<String> inFlightAtKill = new HashSet<>();
		List<DocumentReference> unfinished = new ArrayList<>();
		long started = System.nanoTime();
		long lastProgress = started;
		int handled = 0;
		int published = 0;
		int kill = 0;
		while (handled < EVENTS) {
			int now = handledIds().size();
			if (now > handled) {
				handled = now;
				lastProgress = System.nanoTime();
			}
			// Events flow at most 200 ahead of the fleet, and no further than a little
			// past
			// the next kill point until that kill happened (a replacement may take a
			// while to
			// start).
			int limit = (kill < KILLS) ? Math.min(EVENTS, killAt[kill] + 50) : EVENTS;
			if (published < limit && published - handled < 200) {
				int batch = Math.min(100, limit - published);
				this.server.publishNumbered(batch);
				published += batch;
			}
			// The next kill waits for the last one's replacement to be up: the fleet
			// stays
			// at three instances, and no kill finds a lone instance booting.
			if (kill < KILLS && handled >= killAt[kill] && this.instances.stream().allMatch(Instance::started)) {
				boolean crash = crashes && (kill % 2 == 0) == crashFirst;
				// The events in flight now may reach the fleet again: held unacknowledged
				// by
				// the instance that ends, or published again by the next holder.
				Set<String> handledNow = handledIds();
				for (int id = 1; id <= published; id++) {
					if (!handledNow.contains(String.valueOf(id))) {
						inFlightAtKill.add(String.valueOf(id));
					}
				}
				long failover = killHolder(crash, atLeastOnce, unfinished);
				(crash ? crashFailovers : gracefulFailovers).add(failover);
				kill++;
				lastProgress = System.nanoTime();
			}
			if (System.nanoTime() - lastProgress > STALL.toNanos() || System.nanoTime() - started > OVERALL.toNanos()) {
				fail("The fleet handled %d of %d events and nothing more for %s (or ran past %s)%s", handled, EVENTS,
						STALL, OVERALL, diagnostics());
			}
			Thread.sleep(100);
		}
		double seconds = (System.nanoTime() - started) / 1e9;
		assertThat(kill).as("holders ended").isEqualTo(KILLS);
		// The second handlings of the events a crash left unfinished come once their
		// claims are taken over and marked handled.
		long deadline = System.nanoTime() + STALL.toNanos();
		while (!allHandled(unfinished)) {
			if (System.nanoTime() - deadline > 0) {
				fail("Claims left by a crashed instance were not taken over within %s%s", STALL, diagnostics());
			}
			Thread.sleep(500);
		}
		// Copies still in flight would be handled now.
		Thread.sleep(3000);
		for (Instance instance : this.instances) {
			instance.process.destroy();
		}
		for (Instance instance : this.instances) {
			instance.process.waitFor(60, TimeUnit.SECONDS);
			instance.poll();
		}
		Map<String, Integer> counts = counts();
		int twice = 0;
		for (int id = 1; id <= EVENTS; id++) {
			String key = String.valueOf(id);
			if (atLeastOnce.contains(key)) {
				assertThat(counts.get(key)).as("handlings of event %d, in hand at a crash", id).isBetween(1, 2);
				twice += (counts.get(key) == 2) ? 1 : 0;
			}
			else {
				assertThat(counts.get(key)).as("handlings of event %d", id).isEqualTo(1);
			}
		}
		assertThat(counts).hasSize(EVENTS);
		Map<String, Integer> receipts = new HashMap<>();
		Set<String> failed = new HashSet<>();
		Map<String, Integer> outcomes = new HashMap<>();
		for (Instance instance : all()) {
			instance.receipts.forEach((receipt) -> {
				receipts.merge(receipt.id(), 1, Integer::sum);
				outcomes.merge(receipt.outcome(), 1, Integer::sum);
			});
			failed.addAll(instance.failed);
		}
		if (EVENTS >= 499) {
			assertThat(failed).as("events failed once on purpose").isNotEmpty();
		}
		Set<String> cameAgain = new HashSet<>(failed);
		cameAgain.addAll(atLeastOnce);
		cameAgain.addAll(inFlightAtKill);
		receipts.forEach((id, count) -> {
			if (count > 1) {
				cameAgain.add(id);
			}
		});
		for (Instance instance : all()) {
			if (!this.ordering) {
				break;
			}
			assertThat(instance.handled).as("events of %s that reached the fleet once, in handling order", instance.id)
				.filteredOn((id) -> !cameAgain.contains(id))
				.extracting(Integer::valueOf)
				.isSorted();
		}
		System.out.printf(
				"fleet: %d instances, %d events, %d kills, %.1f s (%.0f events/s), failover ms graceful %s, crash %s, "
						+ "messages received %d (%s), events that came again %d, failed on purpose %d, "
						+ "in hand at a crash %d, handled twice %d%n",
				INSTANCES, EVENTS, KILLS, seconds, EVENTS / seconds, gracefulFailovers, crashFailovers,
				receipts.values().stream().mapToInt(Integer::intValue).sum(), outcomes, cameAgain.size(), failed.size(),
				atLeastOnce.size(), twice);
		int received = receipts.values().stream().mapToInt(Integer::intValue).sum();
		result(row, "%d instances, `once`, " + (this.ordering ? "ordered" : "unordered") + ", holder "
				+ (crashes ? "killed or stopped" : "stopped") + " %d times | %,d | %.0f | %s | %s | %,d | %,d | %d",
				INSTANCES, KILLS, EVENTS, EVENTS / seconds, percentiles(gracefulFailovers), percentiles(crashFailovers),
				outcomes.getOrDefault("DUPLICATE", 0), received - EVENTS, twice);
	}

	/**
	 * The baselines of the figures: one instance in {@code once} delivery, and three in
	 * {@code every-instance} (each handles every event), no kills. Run by
	 * {@code benchmarks/fleet.sh}.
	 */
	@Test
	@EnabledIfSystemProperty(named = "fleet.baselines", matches = "true",
			disabledReason = "the baselines of benchmarks/fleet.sh")
	void baselines() throws Exception {
		this.instances.add(launch());
		double once = throughput(1);
		result("fleet-0-single", "1 instance, `once` | %,d | %.0f | | | | | ", EVENTS, EVENTS / once);
		for (Instance instance : this.instances) {
			instance.process.destroy();
			instance.process.waitFor(60, TimeUnit.SECONDS);
		}
		this.retired.clear();
		this.instances.clear();
		this.server.stop();
		this.server = new FakeEventServer().start();
		for (int i = 0; i < INSTANCES; i++) {
			this.instances.add(launch("every-instance"));
		}
		double every = throughput(INSTANCES);
		result("fleet-3-every", "%d instances, `every-instance` (each handles every event) | %,d | %.0f | | | | | ",
				INSTANCES, EVENTS, EVENTS / every);
	}

	/**
	 * Publish the events once the instances run and return the seconds until each event
	 * was handled {@code copies} times.
	 */
	private double throughput(int copies) throws Exception {
		// The instances are up when the first event has gone through.
		this.server.publishNumbered(1);
		awaitHandled(copies, 1);
		long started = System.nanoTime();
		this.server.publishNumbered(EVENTS - 1);
		awaitHandled(copies, EVENTS);
		return (System.nanoTime() - started) / 1e9;
	}

	private void awaitHandled(int copies, int events) throws InterruptedException {
		long lastProgress = System.nanoTime();
		long handled = 0;
		while (true) {
			Map<String, Integer> counts = counts();
			if (copies > 1) {
				// every-instance: an event whose listener failed on purpose is not
				// delivered again (that is once delivery's redelivery), so it counts.
				for (Instance instance : all()) {
					instance.failed.forEach((id) -> counts.merge(id, 1, Integer::sum));
				}
			}
			long now = counts.values().stream().mapToInt(Integer::intValue).sum();
			if (counts.size() >= events && counts.values().stream().allMatch((count) -> count >= copies)) {
				return;
			}
			if (now > handled) {
				handled = now;
				lastProgress = System.nanoTime();
			}
			if (System.nanoTime() - lastProgress > STALL.toNanos()) {
				fail("Nothing handled for %s%s", STALL, diagnostics());
			}
			Thread.sleep(100);
		}
	}

	private static String percentiles(List<Long> millis) {
		if (millis.isEmpty()) {
			return "";
		}
		List<Long> sorted = millis.stream().sorted().toList();
		long p50 = sorted.get((sorted.size() - 1) / 2);
		long p99 = sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
		return String.format("%,d / %,d", p50, p99);
	}

	/**
	 * Leave a row of the figures' table where {@code -Dfleet.results-dir} says, for
	 * {@code benchmarks/fleet.sh}.
	 */
	private static void result(String name, String format, Object... args) throws IOException {
		String dir = System.getProperty("fleet.results-dir");
		if (dir != null) {
			Files.createDirectories(Path.of(dir));
			Files.writeString(Path.of(dir, name + ".row"), "| " + String.format(format, args) + " |\n");
		}
	}

	/**
	 * End the stream's holder and wait until another instance holds the stream.
	 * @return the failover time in milliseconds: from the signal to the next holder
	 */
	private long killHolder(boolean crash, Set<String> atLeastOnce, List<DocumentReference> unfinished)
			throws Exception {
		Instance holder = awaitHolder(null);
		long killed = System.nanoTime();
		if (crash) {
			holder.process.destroyForcibly();
			holder.process.waitFor(30, TimeUnit.SECONDS);
			// What the crashed instance claimed and did not finish: handled at least
			// once.
			// Its last writes are in the emulator by now.
			Thread.sleep(500);
			for (QueryDocumentSnapshot claim : this.store.collection("claims-" + this.run)
				.whereEqualTo("instance", holder.id)
				.whereEqualTo(EventClaims.STATE, EventClaims.CLAIMED)
				.get()
				.get()
				.getDocuments()) {
				atLeastOnce.add(claim.getString("id"));
				unfinished.add(claim.getReference());
			}
		}
		else {
			holder.process.destroy();
		}
		awaitHolder(holder);
		long failover = (System.nanoTime() - killed) / 1_000_000;
		System.out.printf("fleet: %s %s after %d events handled; next holder after %d ms%n", holder.id,
				crash ? "killed (SIGKILL)" : "stopped (SIGTERM)", handledIds().size(), failover);
		if (!crash && !holder.process.waitFor(60, TimeUnit.SECONDS)) {
			fail("%s did not stop within 60 s of SIGTERM", holder.id);
		}
		holder.poll();
		this.instances.add(launch());
		return failover;
	}

	/**
	 * Wait until a running instance other than the given one holds a valid lease.
	 */
	private Instance awaitHolder(@Nullable Instance previous) throws Exception {
		long deadline = System.nanoTime() + FAILOVER.toNanos();
		while (System.nanoTime() - deadline < 0) {
			DocumentSnapshot lease = this.store.collection("leases-" + this.run).document("default").get().get();
			String holder = lease.getString(StreamLease.HOLDER);
			Long expiresAt = lease.getLong(StreamLease.EXPIRES_AT);
			if (holder != null && expiresAt != null && expiresAt > System.currentTimeMillis()
					&& (previous == null || !holder.equals(previous.id))) {
				for (Instance instance : this.instances) {
					if (instance.id.equals(holder) && instance.process.isAlive()) {
						if (previous != null) {
							this.instances.remove(previous);
							this.retired.add(previous);
						}
						return instance;
					}
				}
			}
			Thread.sleep(20);
		}
		return fail("No instance held the stream within %s%s", FAILOVER, diagnostics());
	}

	private boolean allHandled(List<DocumentReference> claims) throws ExecutionException, InterruptedException {
		for (DocumentReference claim : claims) {
			if (!EventClaims.HANDLED.equals(claim.get().get().getString(EventClaims.STATE))) {
				return false;
			}
		}
		return true;
	}

	private Set<String> handledIds() {
		return counts().keySet();
	}

	private Map<String, Integer> counts() {
		Map<String, Integer> counts = new HashMap<>();
		for (Instance instance : all()) {
			instance.poll();
			instance.handled.forEach((id) -> counts.merge(id, 1, Integer::sum));
		}
		return counts;
	}

	private List<Instance> all() {
		List<Instance> all = new ArrayList<>(this.retired);
		all.addAll(this.instances);
		return all;
	}

	private String diagnostics() {
		StringBuilder text = new StringBuilder();
		for (Instance instance : all()) {
			text.append("\n")
				.append(instance.id)
				.append(instance.process.isAlive() ? " (running)" : " (ended)")
				.append(": handled ")
				.append(instance.handled.size())
				.append(", output in ")
				.append(instance.output);
		}
		return text.toString();
	}

	private Instance launch() throws IOException {
		return launch("once");
	}

	private Instance launch(String delivery) throws IOException {
		String id = "instance-" + (this.instances.size() + this.retired.size()) + "-"
				+ UUID.randomUUID().toString().substring(0, 4);
		Path output = Files.createTempFile("fleet-" + id, ".log");
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
						"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
						FleetInstance.class.getName()));
		command.addAll(List.of("--spring.main.banner-mode=off",
				"--logging.level.io.github.cloudrunmcp.fleet.FleetSubscriber=DEBUG",
				"--cloudrun.mcp.base-url=" + this.server.origin(), "--cloudrun.mcp.delivery=" + delivery,
				"--cloudrun.mcp.stream.reconnect.initial-delay=50ms", "--cloudrun.mcp.fleet.project-id=fleet-test",
				"--cloudrun.mcp.fleet.topic=events-" + this.run, "--cloudrun.mcp.fleet.subscription=events-" + this.run,
				"--cloudrun.mcp.fleet.dead-letter-topic=dead-" + this.run,
				// Copies of an event another instance is handling come back until its
				// claim
				// times out: more attempts than that takes.
				"--cloudrun.mcp.fleet.max-delivery-attempts=100", "--cloudrun.mcp.fleet.create-resources=true",
				"--cloudrun.mcp.fleet.lease-collection=leases-" + this.run,
				"--cloudrun.mcp.fleet.claim-collection=claims-" + this.run,
				"--cloudrun.mcp.fleet.lease-duration=" + LEASE.toSeconds() + "s",
				"--cloudrun.mcp.fleet.claim-timeout=" + CLAIM_TIMEOUT.toSeconds() + "s",
				"--cloudrun.mcp.fleet.instance-id=" + id, "--cloudrun.mcp.fleet.message-ordering=" + this.ordering,
				"--cloudrun.mcp.fleet.pubsub-emulator-host=" + pubsub.hostPort(),
				"--cloudrun.mcp.fleet.firestore-emulator-host=" + firestore.hostPort()));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
		return new Instance(id, process, output);
	}

	/**
	 * An instance's JVM and what it printed so far.
	 */
	private static final class Instance {

		final String id;

		final Process process;

		final Path output;

		final List<String> handled = new ArrayList<>();

		final Set<String> failed = new HashSet<>();

		final List<Receipt> receipts = new ArrayList<>();

		private long offset;

		private boolean started;

		Instance(String id, Process process, Path output) {
			this.id = id;
			this.process = process;
			this.output = output;
		}

		/**
		 * Read the complete lines printed since the last call (a killed JVM may leave a
		 * partial last line, which is ignored).
		 */
		void poll() {
			try (RandomAccessFile file = new RandomAccessFile(this.output.toFile(), "r")) {
				long length = file.length();
				if (length <= this.offset) {
					return;
				}
				byte[] bytes = new byte[(int) (length - this.offset)];
				file.seek(this.offset);
				file.readFully(bytes);
				int end = lastLineEnd(bytes);
				if (end < 0) {
					return;
				}
				this.offset += end + 1;
				for (String line : new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\n")) {
					read(line);
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		private static int lastLineEnd(byte[] bytes) {
			for (int i = bytes.length - 1; i >= 0; i--) {
				if (bytes[i] == '\n') {
					return i;
				}
			}
			return -1;
		}

		boolean started() {
			poll();
			return this.started;
		}

		private void read(String line) {
			if (line.contains("Started " + FleetInstance.class.getSimpleName())) {
				this.started = true;
				return;
			}
			if (line.startsWith(FleetInstance.HANDLED)) {
				this.handled.add(line.substring(FleetInstance.HANDLED.length()).trim());
				return;
			}
			if (line.startsWith(FleetInstance.FAILED)) {
				this.failed.add(line.substring(FleetInstance.FAILED.length()).trim());
				return;
			}
			Matcher receipt = RECEIPT.matcher(line);
			if (receipt.find()) {
				if (receipt.group(1) != null) {
					this.receipts.add(new Receipt(receipt.group(1), receipt.group(2)));
				}
				else {
					String id = (receipt.group(3) != null) ? receipt.group(3) : receipt.group(4);
					this.receipts.add(new Receipt(id, "HANDED_BACK"));
				}
			}
		}

	}

	private record Receipt(String id, String outcome) {
	}

}
