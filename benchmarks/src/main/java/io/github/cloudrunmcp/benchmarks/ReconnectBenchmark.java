package io.github.cloudrunmcp.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.OverflowPolicy;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeEventServer.End;
import io.github.cloudrunmcp.test.FakeEventServer.Plan;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Reconnect: a server that keeps history drops the connection after every few events
 * (clean closes, resets and cuts mid-event in turn) and asks for {@code retry: 100}, the
 * shortest wait a server may ask for ({@code StreamSettings.Reconnect.MIN_SERVER_DELAY});
 * measures the time from the client seeing the end of a connection to the next event
 * delivered, and checks that every event arrives once, in order.
 */
public final class ReconnectBenchmark {

	private static final long RETRY_MILLIS = StreamSettings.Reconnect.MIN_SERVER_DELAY.toMillis();

	private ReconnectBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		int drops = quick ? 50 : 1_000;
		// Drops before these are not measured: the JIT compiles the reconnect path first.
		int warmups = quick ? 10 : 200;
		int perConnection = 5;
		int total = (warmups + drops) * perConnection + 100;
		try (FakeEventServer server = new FakeEventServer().start()) {
			server.retry(RETRY_MILLIS);
			server.publishNumbered(total);
			End[] ends = End.values();
			List<Plan> plans = new ArrayList<>();
			for (int i = 0; i < warmups + drops; i++) {
				plans.add(Plan.drop(perConnection, ends[i % ends.length]));
			}
			server.plan(plans.toArray(Plan[]::new));
			Histogram gaps = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
			AtomicLong endedAt = new AtomicLong();
			AtomicLong expected = new AtomicLong(1);
			AtomicLong outOfOrder = new AtomicLong();
			CountDownLatch done = new CountDownLatch(1);
			StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(30),
					Duration.ofSeconds(5),
					new StreamSettings.Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.0, 0));
			McpEventStream stream = new McpEventStream("bench", URI.create(server.origin() + "/events"),
					WebClient.create(), settings, JsonMapper.builder().build(), (McpEvent event) -> {
						long ended = endedAt.getAndSet(0);
						if (ended != 0 && Long.parseLong(event.id()) > warmups * perConnection) {
							gaps.recordValue(System.nanoTime() - ended);
						}
						long seq = Long.parseLong(event.id());
						if (seq != expected.get()) {
							outOfOrder.incrementAndGet();
						}
						expected.set(seq + 1);
						if (seq == total) {
							done.countDown();
						}
					});
			stream.statusChanges()
				.filter((status) -> status.state() == McpStreamStatus.State.RECONNECTING)
				.subscribe((status) -> endedAt.compareAndSet(0, System.nanoTime()));
			stream.start();
			if (!done.await(5, TimeUnit.MINUTES)) {
				throw new IllegalStateException("timed out");
			}
			stream.stop();
			McpEventStream.Stats stats = stream.stats();
			long lost = total - (stats.delivered() - outOfOrder.get());
			Report.publish("reconnect", String.format(Locale.ROOT,
					"Reconnect over %,d forced drops (clean, reset, mid-event in turn) after %,d warm-up drops, server retry %d ms, jitter 0%s:%n%n"
							+ "| drops measured | p50 (ms) | p99 (ms) | max (ms) | target | events | delivered | out of order or duplicated | connections |%n"
							+ "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |%n"
							+ "| %,d | %.2f | %.2f | %.2f | ≤ %d ms | %,d | %,d | %d | %,d |%n",
					drops, warmups, RETRY_MILLIS, quick ? " (--quick smoke run)" : "", gaps.getTotalCount(),
					gaps.getValueAtPercentile(50) / 1e6, gaps.getValueAtPercentile(99) / 1e6, gaps.getMaxValue() / 1e6,
					RETRY_MILLIS + 5, total, stats.delivered(), outOfOrder.get(), stats.connections()));
			if (outOfOrder.get() != 0 || stats.delivered() != total || lost != 0) {
				System.exit(1);
			}
		}
		System.exit(0);
	}

}
