package io.github.cloudrunmcp.benchmarks;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FaultProxy;
import io.github.cloudrunmcp.test.FaultProxy.Fault;
import io.github.cloudrunmcp.test.TestTokenIssuer;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * The soak run: a server that requires ID tokens publishes numbered events at a constant
 * rate through a {@link FaultProxy} that breaks the stream's connection at random
 * intervals with a random fault; one listener is slow now and then; the metadata server
 * issues tokens that expire every few minutes. Reports events delivered, lost and
 * duplicated, the heap and thread high-water, connections per second and metadata-server
 * calls per minute. The full run lasts 30 minutes ({@code -Dsoak.minutes} changes it),
 * {@code --quick} 2 minutes.
 */
public final class SoakBenchmark {

	private static final int EVENTS_PER_SECOND = 200;

	private SoakBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		Duration duration = Duration.ofMinutes(Long.getLong("soak.minutes", quick ? 2 : 30));
		Duration tokenLifetime = quick ? Duration.ofSeconds(40) : Duration.ofMinutes(4);
		Duration refreshBefore = quick ? Duration.ofSeconds(10) : Duration.ofMinutes(1);
		TestTokenIssuer issuer = new TestTokenIssuer();
		FakeMetadataServer metadata = new FakeMetadataServer(issuer).tokenLifetime(tokenLifetime);
		metadata.start();
		SequenceRecorder recorder = new SequenceRecorder();
		Map<String, Long> injected = new LinkedHashMap<>();
		try (FakeEventServer server = new FakeEventServer(issuer, "/events").start();
				ResourceSampler sampler = new ResourceSampler(100)) {
			int port = Integer.parseInt(server.origin().substring(server.origin().lastIndexOf(':') + 1));
			FaultProxy proxy = FaultProxy.to("127.0.0.1", port).start();
			Map<String, Object> properties = new HashMap<>();
			properties.put("cloudrun.mcp.base-url", proxy.origin());
			properties.put("cloudrun.mcp.audience", server.audience());
			properties.put("cloudrun.mcp.auth.mode", "google");
			properties.put("cloudrun.mcp.auth.refresh-before-expiry", refreshBefore.toSeconds() + "s");
			properties.put("cloudrun.mcp.stream.read-timeout", "2s");
			properties.put("cloudrun.mcp.stream.response-timeout", "2s");
			properties.put("cloudrun.mcp.stream.reconnect.initial-delay", "50ms");
			properties.put("cloudrun.mcp.stream.reconnect.max-delay", "1s");
			properties.put("logging.level.root", "warn");
			properties.put("logging.level.io.github.cloudrunmcp", "error");
			ConfigurableApplicationContext context = FaultRecoveryBenchmark.start(properties, recorder,
					metadata.credentials(), new SlowListener());
			AtomicLong published = new AtomicLong();
			Thread publisher = FaultRecoveryBenchmark.publisher(new FaultRecoveryBenchmark.Target() {
				@Override
				public int port() {
					return port;
				}

				@Override
				public void publish(long seq) {
					server.publish(null, "{\"event\":\"tick\",\"seq\":" + seq + "}");
				}

				@Override
				public void close() {
				}
			}, published);
			long started = System.nanoTime();
			long end = started + duration.toNanos();
			Random random = new Random(42);
			List<Map.Entry<String, Supplier<Fault>>> faults = new ArrayList<>(
					FaultRecoveryBenchmark.faults().entrySet());
			while (System.nanoTime() < end) {
				// A fault every 5 to 15 s.
				long pause = Math.min(5_000 + random.nextInt(10_000),
						TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
				Thread.sleep(Math.max(0, pause));
				if (System.nanoTime() >= end) {
					break;
				}
				Map.Entry<String, Supplier<Fault>> fault = faults.get(random.nextInt(faults.size()));
				proxy.next(fault.getValue().get());
				proxy.resetAll();
				injected.merge(fault.getKey(), 1L, Long::sum);
			}
			publisher.interrupt();
			publisher.join();
			double seconds = (System.nanoTime() - started) / 1e9;
			long last = published.get();
			FaultRecoveryBenchmark.awaitDelivery(recorder, last, Duration.ofSeconds(60));
			long lost = last - recorder.distinct(last);
			int connections = proxy.connections();
			int metadataCalls = metadata.identityCalls();
			context.close();
			proxy.stop();
			StringBuilder faultList = new StringBuilder();
			injected.forEach((name, count) -> faultList.append(faultList.isEmpty() ? "" : ", ")
				.append(name)
				.append(" ×")
				.append(count));
			Report.publish(quick ? "soak-quick" : "soak", String.format(Locale.ROOT,
					"Soak run of %s on %s (%d cores, Java %s): %d ev/s from a server that requires ID tokens, "
							+ "through FaultProxy with a random fault every 5-15 s (%s), a listener that takes 1 ms "
							+ "per event and 500 ms every 1,000th, tokens that live %d s and are refreshed %d s "
							+ "before expiry.%n%n"
							+ "| events published | delivered | lost | duplicated | out of order | heap high-water (MiB) "
							+ "| threads high-water | connections/s | metadata calls/min |%n"
							+ "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%n"
							+ "| %,d | %,d | %d | %d | %d | %.0f | %d | %.2f | %.2f |%n",
					quick ? "2 minutes (--quick)" : duration.toMinutes() + " minutes", LocalDate.now(ZoneOffset.UTC),
					Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), EVENTS_PER_SECOND,
					faultList, tokenLifetime.toSeconds(), refreshBefore.toSeconds(), last, recorder.delivered(), lost,
					recorder.duplicates(), recorder.outOfOrder(), sampler.heapHighMiB(), sampler.threadHigh(),
					connections / seconds, metadataCalls / (seconds / 60)));
			metadata.stop();
			System.exit((lost == 0 && recorder.duplicates() == 0 && recorder.outOfOrder() == 0) ? 0 : 1);
		}
	}

	/** A listener that is slow now and then, as real ones are. */
	static class SlowListener {

		private final AtomicLong seen = new AtomicLong();

		@McpListener("tick")
		void slow(McpEvent event) throws InterruptedException {
			Thread.sleep((this.seen.incrementAndGet() % 1000 == 0) ? 500 : 1);
		}

	}

}
