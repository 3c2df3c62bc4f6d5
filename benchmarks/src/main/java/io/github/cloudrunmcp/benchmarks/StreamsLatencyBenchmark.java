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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.LongSummaryStatistics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import tools.jackson.databind.json.JsonMapper;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Latency from the server's write to the {@code @McpListener} invocation with many
 * streams at once: 1,000 streams at 100 events/s each, then at 20 events/s each (a load
 * that a small machine writes and reads with time to spare). The server runs in a process
 * of its own ({@link PacedServer}) and stamps each event with {@link System#nanoTime()},
 * which on Linux reads the same monotonic clock in every process of the machine; the
 * listener reads the clock first thing. A second round reads the same load with plain
 * Reactor Netty on its network threads (no library), the floor that the machine, the
 * kernel and Netty set: the difference is what the library adds. The server says whether
 * it kept its rate (how many events it wrote more than 1 ms after their slot).
 */
public final class StreamsLatencyBenchmark {

	private StreamsLatencyBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		List<String> arguments = Arrays.asList(args);
		boolean quick = arguments.contains("--quick");
		int streams = option(arguments, "--streams", quick ? 100 : 1_000);
		// The target's load, then a lighter one that a 2-core machine can write and read
		// with time to spare, so that the library's own latency shows where the machine
		// is not the limit.
		int[] rates = (arguments.contains("--rate")) ? new int[] { option(arguments, "--rate", 100) }
				: quick ? new int[] { 100 } : new int[] { 100, 20 };
		int warmUp = option(arguments, "--warmup", quick ? 1 : 10);
		int seconds = option(arguments, "--seconds", quick ? 1 : 20);
		// --library-only leaves the floor out (for profiling the library alone).
		boolean floor = !arguments.contains("--library-only");
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT,
				"Latency with %,d streams, server write (in a process of its own) to @McpListener invocation, "
						+ "%d s measured after %d s warm-up%s:%n%n",
				streams, seconds, warmUp, quick ? " (--quick smoke run)" : ""));
		table.append("| load | reader | events | p50 (µs) | p99 (µs) | p99.9 (µs) | max (µs) | peak threads "
				+ "| client CPU µs/event | server: events/s | server: > 1 ms late |\n");
		table.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		List<String> notes = new ArrayList<>();
		for (int rate : rates) {
			Round library = measure(streams, rate, warmUp, seconds, false);
			Round raw = floor ? measure(streams, rate, warmUp, seconds, true) : null;
			String load = String.format(Locale.ROOT, "%,d × %d/s = %,d/s", streams, rate, streams * rate);
			library.row(table, load, "McpEventStream → @McpListener");
			if (raw != null) {
				raw.row(table, load, "Reactor Netty, network thread (floor)");
			}
			for (Round round : (raw != null) ? List.of(library, raw) : List.of(library)) {
				if (round.unfinished != null) {
					notes.add(String.format(Locale.ROOT,
							"Not finished within %d s (%s, %s): %s (the client or the server could not keep up on "
									+ "this machine).",
							warmUp + seconds + 120, load, round.raw ? "floor" : "library", round.unfinished));
				}
			}
		}
		for (String note : notes) {
			table.append(String.format(Locale.ROOT, "%n%s%n", note));
		}
		Report.publish("latency-streams", table.toString());
		System.exit(0);
	}

	private static int option(List<String> arguments, String name, int fallback) {
		int index = arguments.indexOf(name);
		return (index >= 0 && index + 1 < arguments.size()) ? Integer.parseInt(arguments.get(index + 1)) : fallback;
	}

	private static Round measure(int streams, int rate, int warmUp, int seconds, boolean raw) throws Exception {
		Recorder recorder = new Recorder(3);
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		threads.resetPeakThreadCount();
		long measured = (long) streams * rate * seconds;
		TimingListener listener = new TimingListener((long) rate * warmUp, measured, recorder);
		List<Runnable> stops = new ArrayList<>();
		try (ChildPacedServer server = ChildPacedServer.start(streams, rate, warmUp + seconds);
				AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			ConnectionProvider connections = ConnectionProvider.builder("latency")
				.maxConnections(streams)
				.pendingAcquireMaxCount(-1)
				.build();
			HttpClient http = HttpClient.create(connections);
			List<McpEventStream> open = new ArrayList<>();
			if (raw) {
				for (int i = 0; i < streams; i++) {
					RawReader reader = new RawReader(listener);
					Disposable connection = http.get()
						.uri(server.url())
						.responseContent()
						.asString(StandardCharsets.US_ASCII)
						.subscribe(reader::read);
					stops.add(connection::dispose);
				}
			}
			else {
				context.registerBean(McpListenerFactory.class);
				context.registerBean(TimingListener.class, () -> listener);
				context.refresh();
				WebClient client = WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
				for (int i = 0; i < streams; i++) {
					McpEventStream stream = new McpEventStream("s" + i, URI.create(server.url()), client,
							StreamSettings.defaults(), JsonMapper.builder().build(), context::publishEvent);
					stream.start();
					open.add(stream);
				}
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUp + seconds + 120L);
			String unfinished = null;
			while (!listener.done.await(5, TimeUnit.SECONDS)) {
				String progress = String.format(Locale.ROOT, "%s: %,d of %,d events measured",
						raw ? "floor" : "library", listener.recorded.get(), measured);
				if (!raw) {
					LongSummaryStatistics delivered = open.stream()
						.mapToLong((stream) -> stream.stats().delivered())
						.summaryStatistics();
					progress += String.format(Locale.ROOT, "; per stream delivered min %,d, max %,d of %,d",
							delivered.getMin(), delivered.getMax(), (long) rate * (warmUp + seconds));
				}
				if (System.nanoTime() > deadline) {
					// Keep the run going: the table says how far it got, and the
					// latencies of what was measured still count.
					unfinished = progress;
					break;
				}
				System.out.println(progress);
			}
			// What was measured until now: events still arriving while the streams stop
			// do not count.
			Histogram histogram = recorder.getIntervalHistogram();
			int peakThreads = threads.getPeakThreadCount();
			String pace = server.pace(Duration.ofSeconds(30));
			open.parallelStream().forEach(McpEventStream::stop);
			stops.forEach(Runnable::run);
			connections.disposeLater().block(Duration.ofSeconds(30));
			return new Round(raw, histogram, peakThreads, listener.cpuPerEvent(), pace, unfinished);
		}
	}

	/**
	 * What one round measured, and how the server kept its pace.
	 */
	private record Round(boolean raw, Histogram histogram, int peakThreads, double cpuPerEvent, @Nullable String pace,
			@Nullable String unfinished) {

		void row(StringBuilder table, String load, String reader) {
			String[] server = (this.pace != null) ? this.pace.split(" ") : null;
			String rate = "?";
			String late = "?";
			if (server != null && server.length == 5) {
				long events = Long.parseLong(server[1]);
				long elapsed = Long.parseLong(server[2]);
				rate = String.format(Locale.ROOT, "%,.0f", events * 1e9 / elapsed);
				late = String.format(Locale.ROOT, "%.2f %% (max %.1f ms)", 100.0 * Long.parseLong(server[3]) / events,
						Long.parseLong(server[4]) / 1e6);
			}
			Histogram h = this.histogram;
			table.append(
					String.format(Locale.ROOT, "| %s | %s | %,d | %.1f | %.1f | %.1f | %.1f | %d | %.1f | %s | %s |%n",
							load, reader, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
							h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3,
							this.peakThreads, this.cpuPerEvent, rate, late));
		}

	}

	/**
	 * The listener: records now minus the write time carried in the data, once the
	 * event's per-stream index is past the warm-up.
	 */
	public static class TimingListener {

		final CountDownLatch done = new CountDownLatch(1);

		final AtomicLong recorded = new AtomicLong();

		/**
		 * The client process's CPU time when the first measured event came, and at the
		 * last.
		 */
		private volatile long cpuAtFirst;

		private volatile long cpuAtLast;

		private final long warmUpEvents;

		private final long events;

		private final Recorder recorder;

		TimingListener(long warmUpEvents, long events, Recorder recorder) {
			this.warmUpEvents = warmUpEvents;
			this.events = events;
			this.recorder = recorder;
		}

		@McpListener("tick")
		public void onTick(McpEvent event) {
			long now = System.nanoTime();
			record(now, event.data());
		}

		/**
		 * Return the client's CPU time per measured event, from the first to the last, in
		 * µs; 0 when the round did not finish.
		 */
		double cpuPerEvent() {
			long last = this.cpuAtLast;
			return (last == 0) ? 0 : (last - this.cpuAtFirst) / 1e3 / this.events;
		}

		void record(long now, String data) {
			int t = data.indexOf("\"t\":");
			long index = Long.parseLong(data, data.indexOf("\"i\":") + 4, t - 1, 10);
			if (index <= this.warmUpEvents) {
				return;
			}
			long written = Long.parseLong(data, t + 4, data.indexOf('}', t), 10);
			// A wait-free recorder: the dispatch threads do not queue behind each
			// other on a lock to record.
			this.recorder.recordValue(Math.max(0, now - written));
			long count = this.recorded.incrementAndGet();
			if (count == 1) {
				this.cpuAtFirst = processCpuNanos();
			}
			if (count == this.events) {
				this.cpuAtLast = processCpuNanos();
				this.done.countDown();
			}
		}

	}

	/**
	 * Return the client process's CPU time: its threads and GC, not the server's process.
	 */
	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	/**
	 * One connection's bytes read on the network thread without the library: finds each
	 * {@code data:} line and records its latency there.
	 */
	static final class RawReader {

		private final TimingListener listener;

		private final StringBuilder pending = new StringBuilder();

		RawReader(TimingListener listener) {
			this.listener = listener;
		}

		void read(String chunk) {
			long now = System.nanoTime();
			this.pending.append(chunk);
			int from = 0;
			int end;
			while ((end = this.pending.indexOf("\n\n", from)) >= 0) {
				int data = this.pending.indexOf("data: ", from);
				if (data >= 0 && data < end) {
					this.listener.record(now, this.pending.substring(data + 6, end));
				}
				from = end + 2;
			}
			this.pending.delete(0, from);
		}

	}

	/**
	 * The {@link PacedServer} in a child JVM on this one's class path.
	 */
	static final class ChildPacedServer implements AutoCloseable {

		private final Process process;

		private final BufferedReader output;

		private final int port;

		private ChildPacedServer(Process process, BufferedReader output, int port) {
			this.process = process;
			this.output = output;
			this.port = port;
		}

		static ChildPacedServer start(int streams, int rate, int seconds) throws IOException {
			String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
			Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
					PacedServer.class.getName(), String.valueOf(streams), String.valueOf(rate), String.valueOf(seconds))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			BufferedReader output = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
			String line = output.readLine();
			if (line == null) {
				process.destroyForcibly();
				throw new IllegalStateException("The paced server's process ended before it printed its port");
			}
			return new ChildPacedServer(process, output, Integer.parseInt(line.trim()));
		}

		/**
		 * Wait for the server's account of its pace once it wrote every event: "paced
		 * events elapsed-ns late-events max-late-ns".
		 * @param timeout how long to wait
		 * @return the line, or {@code null} when it did not come
		 */
		@Nullable String pace(Duration timeout) throws InterruptedException {
			CompletableFuture<@Nullable String> line = CompletableFuture.supplyAsync(() -> {
				try {
					return this.output.readLine();
				}
				catch (IOException ex) {
					return null;
				}
			});
			try {
				return line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				return null;
			}
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
				long late = 0;
				long maxLate = 0;
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
					long now = System.nanoTime();
					// Behind its slot the server writes the events it owes at once: the
					// latency of each is still measured from its own write.
					long behind = now - due;
					if (behind > 1_000_000) {
						late++;
					}
					maxLate = Math.max(maxLate, behind);
					outs.get((int) (k % streams))
						.write(("data: {\"event\":\"tick\",\"i\":" + index + ",\"t\":" + now + "}\n\n")
							.getBytes(StandardCharsets.US_ASCII));
				}
				System.out.println("paced " + events + " " + (System.nanoTime() - start) + " " + late + " " + maxLate);
				System.out.flush();
			}
			catch (IOException ex) {
				// The client went away.
			}
		}

	}

}
