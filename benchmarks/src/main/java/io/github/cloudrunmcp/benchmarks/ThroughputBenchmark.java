package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.StreamSettings;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Stream throughput, one stream over loopback, every client in the same run and rounds
 * interleaved so that they share the machine's noise:
 * <ol>
 * <li>(a) raw byte scan of the response: the ceiling;</li>
 * <li>(b) the hand-written baseline: {@code bodyToFlux(ServerSentEvent<String>)} and
 * Jackson parsing of each {@code data};</li>
 * <li>(j) the hand-written JDK client: {@code HttpClient} with
 * {@code BodyHandlers.ofLines()} and Jackson parsing of each {@code data:} line;</li>
 * <li>(c) {@code McpEventStream.events()} with {@code json()} on each event;</li>
 * <li>(c0) {@code McpEventStream.events()} reading each event's type only;</li>
 * <li>(d) an {@code @McpListener} method through a Spring context.</li>
 * </ol>
 * Prints a table of medians and ratios; {@code --quick} runs one small round (a smoke
 * run).
 */
public final class ThroughputBenchmark {

	private static final ObjectMapper MAPPER = JsonMapper.builder().build();

	private static final String BASELINE = "(b) baseline: bodyToFlux(ServerSentEvent) + Jackson";

	private static final String JDK = "(j) hand-written JDK HttpClient ofLines() + Jackson";

	private static final HttpClient JDK_CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private static final String CEILING = "(a) raw byte scan (ceiling)";

	private ThroughputBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		List<String> arguments = Arrays.asList(args);
		boolean quick = arguments.contains("--quick");
		int events = option(arguments, "--events", quick ? 100_000 : 1_000_000);
		int warmups = option(arguments, "--warmups", quick ? 1 : 2);
		int rounds = option(arguments, "--rounds", quick ? 1 : 5);
		Map<String, Client> clients = new LinkedHashMap<>();
		clients.put(CEILING, ThroughputBenchmark::rawScan);
		clients.put(BASELINE, ThroughputBenchmark::baseline);
		clients.put(JDK, ThroughputBenchmark::jdkClient);
		clients.put("(c) McpEventStream.events() + json()", (url, n) -> stream(url, n, true));
		clients.put("(c0) McpEventStream.events(), type only", (url, n) -> stream(url, n, false));
		clients.put("(d) @McpListener via Spring context", ThroughputBenchmark::listener);
		int only = arguments.indexOf("--only");
		if (only >= 0 && only + 1 < arguments.size()) {
			List<String> wanted = Arrays.asList(arguments.get(only + 1).split(","));
			clients.keySet()
				.removeIf((name) -> !name.startsWith("(a)") && !name.startsWith("(b)") && !name.startsWith("(j)")
						&& wanted.stream().noneMatch((w) -> name.startsWith("(" + w + ")")));
		}
		Map<String, List<Double>> results = new LinkedHashMap<>();
		Map<String, List<Double>> cpu = new LinkedHashMap<>();
		clients.keySet().forEach((name) -> results.put(name, new ArrayList<>()));
		clients.keySet().forEach((name) -> cpu.put(name, new ArrayList<>()));
		double bytesPerEvent;
		try (BlastServer server = new BlastServer(events)) {
			bytesPerEvent = server.bytesPerEvent();
			for (int round = 0; round < warmups + rounds; round++) {
				for (Map.Entry<String, Client> client : clients.entrySet()) {
					long cpuBefore = processCpuNanos();
					long nanos = client.getValue().run(server.url(), server.events());
					double cpuPerEvent = (processCpuNanos() - cpuBefore) / (double) server.events();
					double rate = server.events() / (nanos / 1e9);
					if (round >= warmups) {
						results.get(client.getKey()).add(rate);
						cpu.get(client.getKey()).add(cpuPerEvent);
					}
					System.out.printf(Locale.ROOT, "%s round %d %-55s %,12.0f events/s %,8.0f CPU ns/event%n",
							(round < warmups) ? "warm-up" : "measure", round, client.getKey(), rate, cpuPerEvent);
				}
			}
			String table = table(results, cpu, server.events(), rounds, bytesPerEvent, quick);
			Report.publish("throughput", table);
		}
		System.exit(0);
	}

	private static String table(Map<String, List<Double>> results, Map<String, List<Double>> cpu, int events,
			int rounds, double bytesPerEvent, boolean quick) {
		double baseline = median(results.get(BASELINE));
		double jdk = median(results.get(JDK));
		double ceiling = median(results.get(CEILING));
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT,
				"Stream throughput: %,d events of %.0f bytes per round over loopback, median of %d rounds after warm-up%s.%n"
						+ "Machine: %d cores, %d MiB max heap, Java %s (%s).%n%n",
				events, bytesPerEvent, rounds, quick ? " (--quick smoke run: numbers not meaningful)" : "",
				Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / (1024 * 1024),
				System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getVmName()));
		out.append("| client | median events/s | min | max | vs (b) baseline | vs (j) JDK client | vs (a) ceiling "
				+ "| CPU ns/event |\n");
		out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		results.forEach((name,
				rates) -> out.append(String.format(Locale.ROOT,
						"| %s | %,.0f | %,.0f | %,.0f | %.2fx | %.2fx | %.0f%% | %,.0f |%n", name, median(rates),
						rates.stream().mapToDouble(Double::doubleValue).min().orElse(0),
						rates.stream().mapToDouble(Double::doubleValue).max().orElse(0), median(rates) / baseline,
						median(rates) / jdk, 100 * median(rates) / ceiling, median(cpu.get(name)))));
		out.append(String.format(Locale.ROOT, "%nCPU ns/event: the JVM's CPU time over a round (the client's "
				+ "threads, the loopback server's writer, GC) divided by the events, median of the rounds; it moves "
				+ "less with the machine's load than the rates do.%n"));
		return out.toString();
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	private static int option(List<String> arguments, String name, int fallback) {
		int index = arguments.indexOf(name);
		return (index >= 0 && index + 1 < arguments.size()) ? Integer.parseInt(arguments.get(index + 1)) : fallback;
	}

	private static double median(List<Double> values) {
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	private static long rawScan(String url, int events) {
		AtomicLong count = new AtomicLong();
		byte[] previous = { 0 };
		long start = System.nanoTime();
		WebClient.create().get().uri(url).retrieve().bodyToFlux(DataBuffer.class).doOnNext((buffer) -> {
			int found = 0;
			byte last = previous[0];
			int end = buffer.writePosition();
			for (int i = buffer.readPosition(); i < end; i++) {
				byte b = buffer.getByte(i);
				if (b == '\n' && last == '\n') {
					found++;
				}
				last = b;
			}
			previous[0] = last;
			count.addAndGet(found);
			DataBufferUtils.release(buffer);
		}).blockLast(Duration.ofMinutes(5));
		if (count.get() != events) {
			throw new IllegalStateException("raw scan counted " + count.get() + " events, expected " + events);
		}
		return System.nanoTime() - start;
	}

	private static long baseline(String url, int events) {
		AtomicLong count = new AtomicLong();
		long start = System.nanoTime();
		WebClient.create()
			.get()
			.uri(url)
			.retrieve()
			.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.map((event) -> MAPPER.readTree(event.data()))
			.doOnNext((json) -> count.incrementAndGet())
			.blockLast(Duration.ofMinutes(5));
		if (count.get() != events) {
			throw new IllegalStateException("baseline counted " + count.get() + " events, expected " + events);
		}
		return System.nanoTime() - start;
	}

	/**
	 * The client a competent user writes with the JDK alone: the body as lines, Jackson
	 * on every {@code data:} line (each event of this server has one).
	 */
	private static long jdkClient(String url, int events) throws IOException, InterruptedException {
		long count = 0;
		long start = System.nanoTime();
		HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").build();
		HttpResponse<Stream<String>> response = JDK_CLIENT.send(request, HttpResponse.BodyHandlers.ofLines());
		try (Stream<String> lines = response.body()) {
			for (String line : (Iterable<String>) lines::iterator) {
				if (line.startsWith("data:")) {
					MAPPER.readTree(line.substring(line.startsWith("data: ") ? 6 : 5));
					count++;
				}
			}
		}
		if (count != events) {
			throw new IllegalStateException("JDK client counted " + count + " events, expected " + events);
		}
		return System.nanoTime() - start;
	}

	private static long stream(String url, int events, boolean json) throws InterruptedException {
		CountDownLatch done = new CountDownLatch(1);
		AtomicLong count = new AtomicLong();
		McpEventStream stream = new McpEventStream("bench", URI.create(url), WebClient.create(),
				StreamSettings.defaults(), MAPPER, null);
		stream.events().subscribe((event) -> {
			if (json) {
				event.json();
			}
			else {
				event.type();
			}
			if (count.incrementAndGet() == events) {
				done.countDown();
			}
		});
		long start = System.nanoTime();
		stream.start();
		await(done);
		long nanos = System.nanoTime() - start;
		stream.stop();
		return nanos;
	}

	private static long listener(String url, int events) throws InterruptedException {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.registerBean(McpListenerFactory.class);
			CountingListener listener = new CountingListener(events);
			context.registerBean(CountingListener.class, () -> listener);
			context.refresh();
			McpEventStream stream = new McpEventStream("bench", URI.create(url), WebClient.create(),
					StreamSettings.defaults(), MAPPER, context::publishEvent);
			long start = System.nanoTime();
			stream.start();
			await(listener.done);
			long nanos = System.nanoTime() - start;
			stream.stop();
			return nanos;
		}
	}

	private static void await(CountDownLatch latch) throws InterruptedException {
		if (!latch.await(5, TimeUnit.MINUTES)) {
			throw new IllegalStateException("timed out");
		}
	}

	@FunctionalInterface
	interface Client {

		long run(String url, int events) throws IOException, InterruptedException;

	}

	/**
	 * The listener of client (d).
	 */
	public static class CountingListener {

		final CountDownLatch done = new CountDownLatch(1);

		private final int events;

		private long count;

		CountingListener(int events) {
			this.events = events;
		}

		@McpListener("model.response")
		public void onEvent(McpEvent event) {
			if (++this.count == this.events) {
				this.done.countDown();
			}
		}

	}

}
