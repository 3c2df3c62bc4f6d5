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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpClientSettings;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpRevision;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpTransportType;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.mcp.client.webflux.transport.WebClientStreamableHttpTransport;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * MCP notification throughput through the official MCP Java SDK, one session over
 * loopback: a server sends N {@code notifications/message} events (with IDs) on the GET
 * stream as fast as the socket takes them. Clients in the same run, rounds interleaved:
 * <ol>
 * <li>(e) cloudrun-mcp: its transport under the SDK, each notification an
 * {@code McpEvent} on the server's {@code McpEventStream}, mapped to the SDK's
 * {@code LoggingMessageNotification};</li>
 * <li>(f) the baseline a user would assemble: the SDK with Spring AI's
 * {@code WebClientStreamableHttpTransport} and a logging consumer;</li>
 * <li>(g) the SDK with its own JDK {@code HttpClientStreamableHttpTransport} and a
 * logging consumer.</li>
 * </ol>
 * Each round times from {@code initialize} to the N-th notification.
 */
public final class McpNotificationBenchmark {

	private static final ObjectMapper MAPPER = JsonMapper.builder().build();

	private McpNotificationBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		List<String> arguments = Arrays.asList(args);
		boolean quick = arguments.contains("--quick");
		int events = option(arguments, "--events", quick ? 20_000 : 500_000);
		int warmups = option(arguments, "--warmups", quick ? 1 : 2);
		int rounds = option(arguments, "--rounds", quick ? 1 : 5);
		Map<String, Client> clients = new LinkedHashMap<>();
		clients.put("(e) cloudrun-mcp transport -> McpEventStream, typed", McpNotificationBenchmark::cloudrunMcp);
		clients.put("(f) baseline: SDK + Spring AI WebClientStreamableHttpTransport",
				(origin, n) -> sdk(WebClientStreamableHttpTransport.builder(WebClient.builder().baseUrl(origin))
					.jsonMapper(McpJsonDefaults.getMapper())
					.build(), n));
		clients.put("(g) SDK + HttpClientStreamableHttpTransport (JDK)",
				(origin, n) -> sdk(HttpClientStreamableHttpTransport.builder(origin).build(), n));
		Map<String, List<Double>> results = new LinkedHashMap<>();
		clients.keySet().forEach((name) -> results.put(name, new ArrayList<>()));
		try (McpBlastServer server = new McpBlastServer(events)) {
			for (int round = 0; round < warmups + rounds; round++) {
				for (Map.Entry<String, Client> client : clients.entrySet()) {
					long nanos = client.getValue().run(server.origin(), server.events());
					double rate = server.events() / (nanos / 1e9);
					if (round >= warmups) {
						results.get(client.getKey()).add(rate);
					}
					System.out.printf(Locale.ROOT, "%s round %d %-62s %,12.0f notifications/s%n",
							(round < warmups) ? "warm-up" : "measure", round, client.getKey(), rate);
				}
			}
			String table = table(results, server.events(), rounds, server.bytesPerEvent(), quick);
			Report.publish("mcp-notifications", table);
		}
		System.exit(0);
	}

	private static long cloudrunMcp(String origin, int events) throws InterruptedException {
		McpServer server = new McpServer("bench", URI.create(origin), origin,
				new McpServer.Auth(AuthMode.NONE, TokenHeader.AUTHORIZATION, Duration.ofMinutes(5), null), "/events",
				McpTransportType.STREAMABLE_HTTP, "/mcp", false, McpRevision.V2025_11_25);
		StreamSettings settings = StreamSettings.defaults();
		McpClientFactory factory = new McpClientFactory(WebClient.create(), McpJsonDefaults.getMapper(), MAPPER,
				settings, new McpClientSettings("bench", "1", Duration.ofSeconds(30), Duration.ofSeconds(30), false),
				null, null, null, List.of());
		McpSession session = factory.create(server);
		McpEventStream stream = new McpEventStream("bench", server.mcpUrl(), session.transport(), settings, MAPPER,
				null);
		CountDownLatch done = new CountDownLatch(1);
		AtomicLong count = new AtomicLong();
		stream.events().subscribe((event) -> {
			event.as(McpSchema.LoggingMessageNotification.class);
			if (count.incrementAndGet() == events) {
				done.countDown();
			}
		});
		stream.start();
		long start = System.nanoTime();
		session.async().initialize().block(Duration.ofSeconds(30));
		await(done);
		long nanos = System.nanoTime() - start;
		stream.stop();
		session.async().closeGracefully().block(Duration.ofSeconds(10));
		return nanos;
	}

	private static long sdk(McpClientTransport transport, int events) throws InterruptedException {
		CountDownLatch done = new CountDownLatch(1);
		AtomicLong count = new AtomicLong();
		McpAsyncClient client = McpClient.async(transport)
			.requestTimeout(Duration.ofSeconds(30))
			.loggingConsumer((log) -> {
				if (count.incrementAndGet() == events) {
					done.countDown();
				}
				return Mono.empty();
			})
			.build();
		long start = System.nanoTime();
		client.initialize().block(Duration.ofSeconds(30));
		await(done);
		long nanos = System.nanoTime() - start;
		client.closeGracefully().block(Duration.ofSeconds(10));
		return nanos;
	}

	private static String table(Map<String, List<Double>> results, int events, int rounds, double bytesPerEvent,
			boolean quick) {
		double baseline = median(results.get("(f) baseline: SDK + Spring AI WebClientStreamableHttpTransport"));
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT,
				"MCP notification throughput: %,d notifications/message of %.0f bytes per round on one session's GET "
						+ "stream over loopback, median of %d rounds after warm-up%s.%n"
						+ "Machine: %d cores, %d MiB max heap, Java %s (%s).%n%n",
				events, bytesPerEvent, rounds, quick ? " (--quick smoke run: numbers not meaningful)" : "",
				Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / (1024 * 1024),
				System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getVmName()));
		out.append("| client | median notifications/s | min | max | vs (f) baseline |\n");
		out.append("| --- | ---: | ---: | ---: | ---: |\n");
		results.forEach((name,
				rates) -> out.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.2fx |%n", name,
						median(rates), rates.stream().mapToDouble(Double::doubleValue).min().orElse(0),
						rates.stream().mapToDouble(Double::doubleValue).max().orElse(0), median(rates) / baseline)));
		return out.toString();
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

	private static void await(CountDownLatch latch) throws InterruptedException {
		if (!latch.await(5, TimeUnit.MINUTES)) {
			throw new IllegalStateException("timed out");
		}
	}

	@FunctionalInterface
	interface Client {

		long run(String origin, int events) throws Exception;

	}

}
