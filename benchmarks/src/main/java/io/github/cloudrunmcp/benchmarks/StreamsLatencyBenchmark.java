package io.github.cloudrunmcp.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.LongSummaryStatistics;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import tools.jackson.databind.json.JsonMapper;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Latency from the server's write to the {@code @McpListener} invocation with many
 * streams at once: 1,000 streams at 100 events/s each. The server runs in a process of
 * its own ({@link PacedServer}) and stamps each event with {@link System#nanoTime()},
 * which on Linux reads the same monotonic clock in every process of the machine.
 */
public final class StreamsLatencyBenchmark {

	private StreamsLatencyBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		int streams = quick ? 100 : 1_000;
		int rate = 100;
		int warmUp = quick ? 1 : 5;
		int seconds = quick ? 1 : 10;
		Histogram histogram = new SynchronizedHistogram(TimeUnit.SECONDS.toNanos(10), 3);
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long measured = (long) streams * rate * seconds;
		try (ChildPacedServer server = ChildPacedServer.start(streams, rate, warmUp + seconds);
				AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.registerBean(McpListenerFactory.class);
			TimingListener listener = new TimingListener((long) rate * warmUp, measured, histogram);
			context.registerBean(TimingListener.class, () -> listener);
			context.refresh();
			WebClient client = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.builder("latency")
					.maxConnections(streams)
					.pendingAcquireMaxCount(-1)
					.build())))
				.build();
			List<McpEventStream> open = new ArrayList<>();
			for (int i = 0; i < streams; i++) {
				McpEventStream stream = new McpEventStream("s" + i, URI.create(server.url()), client,
						StreamSettings.defaults(), JsonMapper.builder().build(), context::publishEvent);
				stream.start();
				open.add(stream);
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUp + seconds + 120L);
			String unfinished = null;
			while (!listener.done.await(5, TimeUnit.SECONDS)) {
				LongSummaryStatistics delivered = open.stream()
					.mapToLong((stream) -> stream.stats().delivered())
					.summaryStatistics();
				String progress = String.format(Locale.ROOT,
						"%,d of %,d events measured; per stream delivered min %,d, max %,d of %,d",
						listener.recorded.get(), measured, delivered.getMin(), delivered.getMax(),
						(long) rate * (warmUp + seconds));
				if (System.nanoTime() > deadline) {
					// Keep the run going: the table says how far it got, and the
					// latencies
					// of what was measured still count.
					unfinished = progress;
					break;
				}
				System.out.println(progress);
			}
			int peakThreads = threads.getPeakThreadCount();
			open.parallelStream().forEach(McpEventStream::stop);
			StringBuilder table = new StringBuilder();
			table.append(String.format(Locale.ROOT,
					"Latency with %,d streams at %d events/s each (%,d events/s in all), server write (in a process of "
							+ "its own) to @McpListener invocation, %d s measured after %d s warm-up%s:%n%n",
					streams, rate, streams * rate, seconds, warmUp, quick ? " (--quick smoke run)" : ""));
			table.append(
					"| streams | events/s | events | p50 (µs) | p99 (µs) | p99.9 (µs) | max (µs) | peak threads |\n");
			table.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
			table.append(String.format(Locale.ROOT, "| %,d | %,d | %,d | %.1f | %.1f | %.1f | %.1f | %d |%n", streams,
					streams * rate, histogram.getTotalCount(), histogram.getValueAtPercentile(50) / 1e3,
					histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
					histogram.getMaxValue() / 1e3, peakThreads));
			if (unfinished != null) {
				table.append(String.format(Locale.ROOT,
						"%nNot finished within %d s: %s (the client or the server could not keep up on this machine).%n",
						warmUp + seconds + 120, unfinished));
			}
			Report.publish("latency-streams", table.toString());
		}
		System.exit(0);
	}

	/**
	 * The listener: records now minus the write time carried in the data, once the
	 * event's per-stream index is past the warm-up.
	 */
	public static class TimingListener {

		final CountDownLatch done = new CountDownLatch(1);

		final AtomicLong recorded = new AtomicLong();

		private final long warmUpEvents;

		private final long events;

		private final Histogram histogram;

		TimingListener(long warmUpEvents, long events, Histogram histogram) {
			this.warmUpEvents = warmUpEvents;
			this.events = events;
			this.histogram = histogram;
		}

		@McpListener("tick")
		public void onTick(McpEvent event) {
			long now = System.nanoTime();
			String data = event.data();
			int t = data.indexOf("\"t\":");
			long index = Long.parseLong(data, data.indexOf("\"i\":") + 4, t - 1, 10);
			if (index <= this.warmUpEvents) {
				return;
			}
			long written = Long.parseLong(data, t + 4, data.length() - 1, 10);
			this.histogram.recordValue(Math.max(0, now - written));
			if (this.recorded.incrementAndGet() == this.events) {
				this.done.countDown();
			}
		}

	}

	/**
	 * The {@link PacedServer} in a child JVM on this one's class path.
	 */
	static final class ChildPacedServer implements AutoCloseable {

		private final Process process;

		private final int port;

		private ChildPacedServer(Process process, int port) {
			this.process = process;
			this.port = port;
		}

		static ChildPacedServer start(int streams, int rate, int seconds) throws IOException {
			String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
			Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
					PacedServer.class.getName(), String.valueOf(streams), String.valueOf(rate), String.valueOf(seconds))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))
				.readLine();
			if (line == null) {
				process.destroyForcibly();
				throw new IllegalStateException("The paced server's process ended before it printed its port");
			}
			return new ChildPacedServer(process, Integer.parseInt(line.trim()));
		}

		String url() {
			return "http://127.0.0.1:" + this.port + "/events";
		}

		@Override
		public void close() throws IOException {
			this.process.getOutputStream().close();
			this.process.destroy();
		}

	}

	/**
	 * Accepts {@code streams} connections, then writes to each {@code rate} events a
	 * second for {@code seconds}, spread evenly over time and over the connections, each
	 * flushed at once and carrying its per-stream index and its write time. Arguments:
	 * streams, rate, seconds.
	 */
	static final class PacedServer {

		private PacedServer() {
		}

		public static void main(String[] args) throws IOException {
			int streams = Integer.parseInt(args[0]);
			int rate = Integer.parseInt(args[1]);
			int seconds = Integer.parseInt(args[2]);
			ServerSocket socket = new ServerSocket();
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
			System.out.println(socket.getLocalPort());
			System.out.flush();
			Thread writer = new Thread(() -> serve(socket, streams, rate, seconds), "paced-server");
			writer.setDaemon(true);
			writer.start();
			while (System.in.read() >= 0) {
				// Until the parent closes the pipe or ends.
			}
			System.exit(0);
		}

		private static void serve(ServerSocket socket, int streams, int rate, int seconds) {
			try {
				List<OutputStream> outs = new ArrayList<>();
				byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII);
				for (int i = 0; i < streams; i++) {
					Socket connection = socket.accept();
					connection.setTcpNoDelay(true);
					connection.getInputStream().read(new byte[8192]);
					OutputStream out = connection.getOutputStream();
					out.write(head);
					out.flush();
					outs.add(out);
				}
				long events = (long) streams * rate * seconds;
				long interval = 1_000_000_000L / ((long) streams * rate);
				long start = System.nanoTime();
				for (long k = 0; k < events; k++) {
					long due = start + k * interval;
					long wait;
					// Park rather than spin: on two cores a spinning writer would take a
					// core from the client it measures.
					while ((wait = due - System.nanoTime()) > 20_000) {
						LockSupport.parkNanos(wait);
					}
					long index = k / streams + 1;
					outs.get((int) (k % streams))
						.write(("data: {\"event\":\"tick\",\"i\":" + index + ",\"t\":" + System.nanoTime() + "}\n\n")
							.getBytes(StandardCharsets.US_ASCII));
				}
			}
			catch (IOException ex) {
				// The client went away.
			}
		}

	}

}
