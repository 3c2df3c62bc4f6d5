package io.github.cloudrunmcp.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.protocol.McpListenStream;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FaultProxy;
import io.github.cloudrunmcp.test.FaultProxy.Fault;
import io.modelcontextprotocol.spec.McpSchema;
import org.HdrHistogram.Histogram;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Recovery from each fault of {@link FaultProxy}, per transport: a server publishes
 * numbered events at a constant rate through the proxy; in each round the proxy resets
 * the stream's connection and gives the next one the fault. Measures the time from the
 * reset to the first delivery of an event published after it, and the used heap's
 * high-water per fault; at the end, no event may have been delivered twice or out of
 * order.
 *
 * <p>
 * The {@code events} transport and the 2025-11-25 GET stream resume with
 * {@code Last-Event-ID}: every event must have been delivered once. The 2026-07-28 listen
 * stream ({@code subscriptions/listen} answered with an event stream, from a scripted
 * server, {@link ListenStreamServer}) has no resumption: events published while it was
 * down are not delivered, by design, and each reopen is followed by a resync event, whose
 * count and time from the reset (the new connection's acknowledgement) are reported too.
 */
public final class FaultRecoveryBenchmark {

	private static final int EVENTS_PER_SECOND = 200;

	private FaultRecoveryBenchmark() {
	}

	static Map<String, Supplier<Fault>> faults() {
		Map<String, Supplier<Fault>> faults = new LinkedHashMap<>();
		faults.put("reset mid-event", () -> Fault.resetAfter(517));
		faults.put("body cut short", () -> Fault.cutAfter(1234));
		faults.put("half-open", () -> Fault.halfOpenAfter(777));
		faults.put("black hole", Fault::blackHole);
		faults.put("headers never come", Fault::headersNeverCome);
		faults.put("latency 30 ms per chunk", () -> Fault.latency(Duration.ofMillis(30)));
		// Slower than loopback by far, but faster than the heaviest transport's load (200
		// MCP notifications of about 135 bytes a second). Over a slower link a resuming
		// stream falls further behind with every round and never recovers.
		faults.put("bandwidth 64 kB/s", () -> Fault.bandwidth(64_000));
		return faults;
	}

	public static void main(String[] args) throws Exception {
		try {
			measure(Arrays.asList(args).contains("--quick"));
		}
		catch (Exception | Error ex) {
			// The streams' and servers' threads would keep the JVM, and the run, alive.
			ex.printStackTrace();
			System.exit(1);
		}
	}

	private static void measure(boolean quick) throws Exception {
		int rounds = quick ? 2 : 10;
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT,
				"Recovery per fault and transport: %d ev/s through FaultProxy, %d rounds per fault (reset, then the "
						+ "fault on the next connection), read-timeout and response-timeout 1 s, reconnect 20-200 ms, "
						+ "jitter 0%s. Recovery is from the reset to the first delivery of an event published after "
						+ "it; resynced is from the reset to the resync event that follows the listen stream's "
						+ "acknowledgement on a new connection, and resyncs counts those events during the fault's "
						+ "rounds (a fault that ends a connection after its acknowledgement causes two a round); heap "
						+ "is the used heap's high-water during the fault's rounds, sampled every 10 ms.%n%n",
				EVENTS_PER_SECOND, rounds, quick ? " (--quick smoke run)" : ""));
		table.append("| transport | fault | recovery p50 (ms) | recovery max (ms) | resynced p50 (ms) | resyncs "
				+ "| heap high-water (MiB) |\n");
		table.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
		List<String> totals = new ArrayList<>();
		boolean clean = true;
		for (Transport transport : Transport.values()) {
			clean &= run(transport, rounds, table, totals);
		}
		table.append('\n');
		table.append("Lost is 0 required where the transport resumes; the listen stream has no resumption, so the "
				+ "events published while it was down are not delivered (\"by design\"), and it says so with a "
				+ "resync event after every reopen. Duplicated and out of order are 0 required for every transport.\n\n");
		table.append("| transport | events published | delivered | lost | duplicated | out of order | resyncs "
				+ "| connections |\n");
		table.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		totals.forEach(table::append);
		Report.publish("fault-recovery", table.toString());
		System.exit(clean ? 0 : 1);
	}

	private static boolean run(Transport transport, int rounds, StringBuilder table, List<String> totals)
			throws Exception {
		SequenceRecorder recorder = new SequenceRecorder();
		try (Target target = transport.start(); ResourceSampler sampler = new ResourceSampler(10)) {
			FaultProxy proxy = FaultProxy.to("127.0.0.1", target.port()).start();
			ConfigurableApplicationContext context = context(transport, proxy.origin(), recorder);
			AtomicLong published = new AtomicLong();
			Thread publisher = publisher(target, published);
			try {
				awaitFirstDelivery(recorder, Duration.ofSeconds(30));
				for (Map.Entry<String, Supplier<Fault>> fault : faults().entrySet()) {
					Histogram recovery = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
					Histogram resynced = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
					long resyncsBefore = recorder.resyncs();
					sampler.reset();
					for (int round = 0; round < rounds; round++) {
						proxy.next(fault.getValue().get());
						long reset = System.nanoTime();
						proxy.resetAll();
						// Marked after the reset: an event published before it and still
						// on its way over the old connection is not a recovery.
						recorder.mark(published.get());
						long deadline = reset + TimeUnit.SECONDS.toNanos(30);
						while (recorder.passedMarkAt() == 0 && System.nanoTime() < deadline) {
							Thread.sleep(1);
						}
						long passed = recorder.passedMarkAt();
						if (passed == 0) {
							throw new IllegalStateException(
									transport.label + " did not recover from " + fault.getKey() + " within 30 s");
						}
						recovery.recordValue(passed - reset);
						// Let the connection after the fault settle before the next
						// round.
						Thread.sleep(300);
						long resync = recorder.resyncedAt();
						if (resync != 0) {
							resynced.recordValue(Math.max(0, resync - reset));
						}
					}
					boolean listen = !transport.resumable;
					table.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %s | %s | %.0f |%n",
							transport.label, fault.getKey(), recovery.getValueAtPercentile(50) / 1e6,
							recovery.getMaxValue() / 1e6,
							listen ? String.format(Locale.ROOT, "%.0f", resynced.getValueAtPercentile(50) / 1e6) : "–",
							listen ? String.valueOf(recorder.resyncs() - resyncsBefore) : "–", sampler.heapHighMiB()));
				}
			}
			finally {
				publisher.interrupt();
				publisher.join();
			}
			long last = published.get();
			if (transport.resumable) {
				awaitDelivery(recorder, last, Duration.ofSeconds(60));
			}
			else {
				// Published while the stream was open: it comes, nothing before it
				// will.
				awaitHighest(recorder, last, Duration.ofSeconds(60));
			}
			long lost = last - recorder.distinct(last);
			totals.add(String.format(Locale.ROOT, "| %s | %,d | %,d | %s | %d | %d | %s | %,d |%n", transport.label,
					last, recorder.delivered(),
					transport.resumable ? String.format(Locale.ROOT, "%,d", lost)
							: String.format(Locale.ROOT, "%,d (by design)", lost),
					recorder.duplicates(), recorder.outOfOrder(),
					transport.resumable ? "–" : String.format(Locale.ROOT, "%,d", recorder.resyncs()),
					proxy.connections()));
			context.close();
			proxy.stop();
			boolean complete = transport.resumable ? lost == 0 : recorder.highest() == last;
			return complete && recorder.duplicates() == 0 && recorder.outOfOrder() == 0;
		}
	}

	private static void awaitFirstDelivery(SequenceRecorder recorder, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (recorder.delivered() == 0 && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
	}

	private static void awaitHighest(SequenceRecorder recorder, long seq, Duration timeout)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (recorder.highest() < seq && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
	}

	static void awaitDelivery(SequenceRecorder recorder, long count, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (recorder.distinct(count) < count && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
	}

	/** Publishes numbered events at the constant rate until interrupted. */
	static Thread publisher(Target target, AtomicLong published) {
		Thread thread = new Thread(() -> {
			long period = TimeUnit.SECONDS.toNanos(1) / EVENTS_PER_SECOND;
			long next = System.nanoTime();
			while (!Thread.currentThread().isInterrupted()) {
				target.publish(published.incrementAndGet());
				next += period;
				long wait = next - System.nanoTime();
				if (wait > 0) {
					try {
						TimeUnit.NANOSECONDS.sleep(wait);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}
		}, "publisher");
		thread.start();
		return thread;
	}

	private static ConfigurableApplicationContext context(Transport transport, String origin,
			SequenceRecorder recorder) {
		Map<String, Object> properties = new HashMap<>();
		properties.put("cloudrun.mcp.base-url", origin);
		properties.put("cloudrun.mcp.auth.mode", "none");
		properties.put("cloudrun.mcp.stream.read-timeout", "1s");
		properties.put("cloudrun.mcp.stream.response-timeout", "1s");
		properties.put("cloudrun.mcp.stream.reconnect.initial-delay", "20ms");
		properties.put("cloudrun.mcp.stream.reconnect.max-delay", "200ms");
		properties.put("cloudrun.mcp.stream.reconnect.jitter", "0");
		properties.put("logging.level.root", "warn");
		// Every fault logs a reconnect; the tables say what happened.
		properties.put("logging.level.io.github.cloudrunmcp", "error");
		if (transport == Transport.MCP_2025_11_25) {
			properties.put("cloudrun.mcp.transport", "streamable-http");
			properties.put("cloudrun.mcp.revision", "2025-11-25");
			properties.put("cloudrun.mcp.fail-fast", "true");
		}
		if (transport == Transport.MCP_2026_07_28) {
			properties.put("cloudrun.mcp.transport", "streamable-http");
			properties.put("cloudrun.mcp.revision", "2026-07-28");
			properties.put("cloudrun.mcp.fail-fast", "true");
		}
		return start(properties, recorder);
	}

	static ConfigurableApplicationContext start(Map<String, Object> properties, SequenceRecorder recorder,
			Object... beans) {
		SpringApplication application = new SpringApplication(App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setLogStartupInfo(false);
		application.setBannerMode(Banner.Mode.OFF);
		application.setDefaultProperties(properties);
		application.addInitializers((context) -> {
			context.getBeanFactory().registerSingleton("sequenceRecorder", recorder);
			for (int i = 0; i < beans.length; i++) {
				context.getBeanFactory().registerSingleton("harnessBean" + i, beans[i]);
			}
		});
		return application.run();
	}

	/** The transports measured. */
	enum Transport {

		EVENTS("events", true) {
			@Override
			Target start() {
				FakeEventServer server = new FakeEventServer().start();
				return new Target() {
					@Override
					public int port() {
						return Integer.parseInt(server.origin().substring(server.origin().lastIndexOf(':') + 1));
					}

					@Override
					public void publish(long seq) {
						server.publish(null, "{\"event\":\"tick\",\"seq\":" + seq + "}");
					}

					@Override
					public void close() {
						server.stop();
					}
				};
			}
		},

		MCP_2025_11_25("2025-11-25 GET stream", true) {
			@Override
			Target start() {
				FakeMcpServer server = new FakeMcpServer();
				server.onGet(server::notifications);
				server.start();
				return new Target() {
					@Override
					public int port() {
						return server.port();
					}

					@Override
					public void publish(long seq) {
						server.publishNotification(numberedMessage(seq));
					}

					@Override
					public void close() {
						server.stop();
					}
				};
			}
		},

		MCP_2026_07_28("2026-07-28 listen stream", false) {
			@Override
			Target start() throws Exception {
				ListenStreamServer server = ListenStreamServer.start();
				return new Target() {
					@Override
					public int port() {
						return server.port();
					}

					@Override
					public void publish(long seq) {
						server.publish(numberedMessage(seq));
					}

					@Override
					public void close() {
						server.close();
					}
				};
			}
		};

		final String label;

		/** Whether the transport resumes after a reconnect, so that nothing is lost. */
		final boolean resumable;

		Transport(String label, boolean resumable) {
			this.label = label;
			this.resumable = resumable;
		}

		abstract Target start() throws Exception;

		/**
		 * Return the MCP log message that carries a sequence number, as both MCP servers
		 * publish it.
		 */
		static String numberedMessage(long seq) {
			return "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
					+ "\"params\":{\"level\":\"info\",\"data\":\"" + seq + "\"}}";
		}

	}

	/** A server that publishes numbered events. */
	interface Target extends AutoCloseable {

		int port();

		void publish(long seq);

		@Override
		void close();

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@Bean
		Listener sequenceListener(SequenceRecorder recorder) {
			return new Listener(recorder);
		}

	}

	/** Hands every numbered event to the recorder, whichever transport brought it. */
	static class Listener {

		private final SequenceRecorder recorder;

		Listener(SequenceRecorder recorder) {
			this.recorder = recorder;
		}

		@McpListener("tick")
		void tick(McpEvent event) {
			this.recorder.record(event.json().get("seq").asLong());
		}

		@McpListener("notifications/message")
		void message(McpSchema.LoggingMessageNotification notification) {
			this.recorder.record(Long.parseLong(String.valueOf(notification.data())));
		}

		@McpListener(McpListenStream.RESYNC_TYPE)
		void resync(McpEvent event) {
			this.recorder.resync();
		}

		/**
		 * Makes the application listen to what the 2026-07-28 server offers, so that its
		 * listen stream opens; the server sends the numbered events on it as
		 * {@code notifications/message}.
		 */
		@McpListener("notifications/tools/list_changed")
		void toolsChanged(McpEvent event) {
		}

	}

}
