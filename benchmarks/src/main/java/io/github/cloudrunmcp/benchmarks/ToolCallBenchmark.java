package io.github.cloudrunmcp.benchmarks;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.github.cloudrunmcp.protocol.StatelessStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpAsyncClient;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpClientTransport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * 2026-07-28 tool calls per second and their latency, at 1, 16 and 64 concurrent callers,
 * against the MCP Java SDK's own 2026-07-28 server in the same JVM (Tomcat on loopback,
 * an {@code echo} tool that answers at once). Clients in the same run, rounds
 * interleaved, both under the SDK's 2026-07-28 {@code McpAsyncClient}:
 * <ol>
 * <li>cloudrun-mcp's {@code StatelessStreamableHttpTransport} on a {@code WebClient}
 * (Reactor Netty);</li>
 * <li>the SDK's own {@code HttpClientMcpTransport} (JDK {@code HttpClient}).</li>
 * </ol>
 * Each caller issues its next call when the previous one answered, for the length of a
 * round. Calls per second are the median over the measured rounds; the latency
 * percentiles are over every call of those rounds.
 */
public final class ToolCallBenchmark {

	private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

	private static final String OURS = "cloudrun-mcp StatelessStreamableHttpTransport (WebClient)";

	private static final String SDK = "SDK HttpClientMcpTransport (JDK HttpClient)";

	private ToolCallBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		List<String> arguments = Arrays.asList(args);
		boolean quick = arguments.contains("--quick");
		Duration length = Duration.ofMillis(option(arguments, "--round-ms", quick ? 500 : 4_000));
		int warmups = option(arguments, "--warmups", quick ? 1 : 2);
		int rounds = option(arguments, "--rounds", quick ? 1 : 5);
		int[] concurrencies = { 1, 16, 64 };
		List<Row> rows = new ArrayList<>();
		try (StatelessToolServer server = StatelessToolServer.start()) {
			URI url = URI.create(server.url());
			Map<String, McpAsyncClient> clients = new LinkedHashMap<>();
			clients.put(OURS, client(new StatelessStreamableHttpTransport("bench", url, WebClient.create(),
					McpJsonDefaults.getMapper())));
			clients.put(SDK, client(HttpClientMcpTransport.builder(url).build()));
			for (int concurrency : concurrencies) {
				Map<String, List<Double>> rates = new LinkedHashMap<>();
				Map<String, Histogram> latencies = new LinkedHashMap<>();
				clients.keySet().forEach((name) -> {
					rates.put(name, new ArrayList<>());
					latencies.put(name, new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(30), 3));
				});
				for (int round = 0; round < warmups + rounds; round++) {
					boolean measured = round >= warmups;
					for (Map.Entry<String, McpAsyncClient> client : clients.entrySet()) {
						Histogram histogram = measured ? latencies.get(client.getKey())
								: new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(30), 3);
						double rate = round(client.getValue(), length, concurrency, histogram);
						if (measured) {
							rates.get(client.getKey()).add(rate);
						}
						System.out.printf(Locale.ROOT, "%s c=%-2d round %d %-58s %,10.0f calls/s%n",
								measured ? "measure" : "warm-up", concurrency, round, client.getKey(), rate);
					}
				}
				for (String name : clients.keySet()) {
					rows.add(new Row(concurrency, name, median(rates.get(name)), latencies.get(name)));
				}
			}
		}
		Report.publish("tool-calls", table(rows, length, rounds, quick));
		System.exit(0);
	}

	private static McpAsyncClient client(McpClientTransport transport) {
		McpAsyncClient client = McpClient.async(transport)
			.clientInfo(new McpSchema.Implementation("benchmark", null, "1", null, null, null))
			.build();
		// The tool list (for header mirroring) is fetched once, outside the rounds.
		client.tools().list().block(CALL_TIMEOUT);
		return client;
	}

	private static double round(McpAsyncClient client, Duration length, int concurrency, Histogram histogram) {
		Map<String, Object> arguments = Map.of("message", "ping");
		Mono<McpSchema.CallToolResult> call = Mono.defer(() -> {
			long start = System.nanoTime();
			return client.tool("echo")
				.arguments(arguments)
				.call()
				.doOnSuccess((result) -> histogram.recordValue(System.nanoTime() - start));
		});
		long start = System.nanoTime();
		long deadline = start + length.toNanos();
		// Each caller makes its next call when the previous one answered, until the
		// round's time is up.
		Long calls = Flux.range(0, concurrency)
			.flatMap((caller) -> call.repeat(() -> System.nanoTime() < deadline), concurrency)
			.count()
			.block(length.plus(CALL_TIMEOUT));
		long nanos = System.nanoTime() - start;
		return ((calls != null) ? calls : 0) / (nanos / 1e9);
	}

	private static String table(List<Row> rows, Duration length, int rounds, boolean quick) {
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT,
				"2026-07-28 tool calls (tools/call of an echo tool) against the MCP Java SDK 2.2.0's own 2026-07-28 "
						+ "server in the same JVM (Tomcat, loopback), both clients the SDK's McpAsyncClient; rounds of %.1f s, "
						+ "median calls/s of %d rounds after warm-up, latency percentiles over every "
						+ "measured call%s.%n" + "Machine: %d cores, %d MiB max heap, Java %s (%s).%n%n",
				length.toMillis() / 1000.0, rounds, quick ? " (QUICK SMOKE RUN: numbers not meaningful)" : "",
				Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / (1024 * 1024),
				System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getVmName()));
		out.append("| callers | transport | calls/s | p50 | p99 | calls/s vs SDK | p99 vs SDK |\n");
		out.append("|---:|---|---:|---:|---:|---:|---:|\n");
		for (Row row : rows) {
			Row sdk = rows.stream()
				.filter((other) -> other.concurrency() == row.concurrency() && other.client().equals(SDK))
				.findFirst()
				.orElse(row);
			out.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %s | %s | %.2fx | %.2fx |%n", row.concurrency(),
					row.client(), row.rate(), millis(row.latency().getValueAtPercentile(50)),
					millis(row.latency().getValueAtPercentile(99)), row.rate() / sdk.rate(),
					(double) row.latency().getValueAtPercentile(99) / sdk.latency().getValueAtPercentile(99)));
		}
		return out.toString();
	}

	private static String millis(long nanos) {
		return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
	}

	private static int option(List<String> arguments, String name, int fallback) {
		int index = arguments.indexOf(name);
		return (index >= 0 && index + 1 < arguments.size()) ? Integer.parseInt(arguments.get(index + 1)) : fallback;
	}

	private static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(Double::compare);
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

	private record Row(int concurrency, String client, double rate, Histogram latency) {
	}

}
