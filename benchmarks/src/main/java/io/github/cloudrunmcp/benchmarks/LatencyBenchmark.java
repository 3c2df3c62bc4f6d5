package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Latency from the server's write to the {@code @McpListener} invocation, at fixed rates,
 * with HdrHistogram. Server and client share the JVM, so both ends read one
 * {@link System#nanoTime()} clock; each event carries its write time.
 */
public final class LatencyBenchmark {

	private LatencyBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		int[] rates = { 1_000, 10_000, 100_000 };
		int seconds = quick ? 1 : 5;
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT,
				"Latency, server write to @McpListener invocation, %d s per rate after %d s warm-up%s:%n%n", seconds,
				seconds, quick ? " (--quick smoke run)" : ""));
		table.append("| rate (events/s) | events | p50 (µs) | p99 (µs) | p99.9 (µs) | max (µs) |\n");
		table.append("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (int rate : rates) {
			measure(rate, seconds, null);
			Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
			measure(rate, seconds, histogram);
			table.append(String.format(Locale.ROOT, "| %,d | %,d | %.1f | %.1f | %.1f | %.1f |%n", rate,
					histogram.getTotalCount(), histogram.getValueAtPercentile(50) / 1e3,
					histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
					histogram.getMaxValue() / 1e3));
		}
		Report.publish("latency", table.toString());
		System.exit(0);
	}

	private static void measure(int rate, int seconds, Histogram histogram) throws Exception {
		int events = rate * seconds;
		try (PacedServer server = new PacedServer(rate, events);
				AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.registerBean(McpListenerFactory.class);
			TimingListener listener = new TimingListener(events, histogram);
			context.registerBean(TimingListener.class, () -> listener);
			context.refresh();
			McpEventStream stream = new McpEventStream("bench", URI.create(server.url()), WebClient.create(),
					StreamSettings.defaults(), JsonMapper.builder().build(), context::publishEvent);
			stream.start();
			if (!listener.done.await(seconds + 30L, TimeUnit.SECONDS)) {
				throw new IllegalStateException("timed out at " + rate + " events/s");
			}
			stream.stop();
		}
	}

	/**
	 * The listener: records now minus the write time carried in the data.
	 */
	public static class TimingListener {

		final CountDownLatch done = new CountDownLatch(1);

		private final int events;

		private final Histogram histogram;

		private int count;

		TimingListener(int events, Histogram histogram) {
			this.events = events;
			this.histogram = histogram;
		}

		@McpListener("tick")
		public void onTick(McpEvent event) {
			long now = System.nanoTime();
			if (this.histogram != null) {
				String data = event.data();
				long written = Long.parseLong(data, data.indexOf("\"t\":") + 4, data.length() - 1, 10);
				this.histogram.recordValue(Math.max(0, now - written));
			}
			if (++this.count == this.events) {
				this.done.countDown();
			}
		}

	}

	/**
	 * Writes {@code events} events at {@code rate} per second, each flushed at once and
	 * carrying its write time.
	 */
	static final class PacedServer implements AutoCloseable {

		private final ServerSocket socket;

		PacedServer(int rate, int events) throws IOException {
			this.socket = new ServerSocket();
			this.socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
			Thread thread = new Thread(() -> serve(rate, events), "paced-server");
			thread.setDaemon(true);
			thread.start();
		}

		String url() {
			return "http://127.0.0.1:" + this.socket.getLocalPort() + "/events";
		}

		private void serve(int rate, int events) {
			try (Socket connection = this.socket.accept()) {
				connection.setTcpNoDelay(true);
				connection.getInputStream().read(new byte[8192]);
				OutputStream out = connection.getOutputStream();
				out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				long interval = 1_000_000_000L / rate;
				long start = System.nanoTime();
				for (int i = 1; i <= events; i++) {
					long due = start + i * interval;
					long wait;
					// Park rather than spin: on two cores a spinning writer would take a
					// core
					// from the client it measures.
					while ((wait = due - System.nanoTime()) > 0) {
						LockSupport.parkNanos(wait);
					}
					out.write(("id: " + i + "\ndata: {\"event\":\"tick\",\"t\":" + System.nanoTime() + "}\n\n")
						.getBytes(StandardCharsets.US_ASCII));
					out.flush();
				}
				// Hold the connection open until the client has read everything.
				connection.getInputStream().read();
			}
			catch (IOException ex) {
				// client closed
			}
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

}
