package io.github.cloudrunmcp.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import com.sun.net.httpserver.HttpServer;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.modern.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The listen stream against a loopback server that answers {@code subscriptions/listen}
 * with a JSON-RPC error, in the stream or as a JSON body: an error the same request gets
 * again stops the stream with one warning that the status carries; another one reopens
 * with a growing backoff instead of a tight loop.
 */
@ExtendWith(OutputCaptureExtension.class)
class McpListenStreamErrorTests {

	private static final String ACK = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/subscriptions/acknowledged\","
			+ "\"params\":{\"notifications\":{\"toolsListChanged\":true}}}";

	private final List<String> bodies = new CopyOnWriteArrayList<>();

	private final AtomicReference<Function<Integer, Answer>> script = new AtomicReference<>();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private HttpServer server;

	@BeforeEach
	void start() {
		try {
			this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.server.setExecutor(this.executor);
		this.server.createContext("/mcp", (exchange) -> {
			this.bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
			Answer answer = this.script.get().apply(this.bodies.size());
			byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", answer.contentType());
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	@Test
	void methodNotFoundInTheStreamStopsItWithOneWarningThatTheStatusCarries(CapturedOutput output)
			throws InterruptedException {
		this.script.set((request) -> Answer.sse(error(-32601, "Method not found: subscriptions/listen\\u001b[2J")));
		McpListenStream listen = listen();
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		Disposable watching = listen.statusChanges().subscribe(statuses::add);
		Disposable subscription = listen.events().subscribe();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> last(statuses).state() == McpStreamStatus.State.FAILED);
			// With a 20 ms backoff, a stream that reopened would have asked again by now.
			Thread.sleep(500);
			assertThat(this.bodies).hasSize(1);
			McpStreamStatus failed = last(statuses);
			assertThat(failed.cause()).isNotNull();
			assertThat(failed.cause().getMessage()).contains("'listening'", "-32601", "Method not found")
				.doesNotContain("\u001b");
			List<String> warnings = output.getOut()
				.lines()
				.filter((line) -> line.contains("WARN") && line.contains("-32601"))
				.toList();
			assertThat(warnings).hasSize(1);
			assertThat(output.getOut()).doesNotContain("\u001b[2J").doesNotContain("ERROR");
		}
		finally {
			subscription.dispose();
			watching.dispose();
		}
	}

	@Test
	void anInternalErrorReopensWithAGrowingBackoffAndRecovers(CapturedOutput output) {
		AtomicInteger failures = new AtomicInteger(5);
		this.script.set((request) -> (failures.getAndDecrement() > 0) ? Answer.sse(error(-32603, "Internal error"))
				: Answer.sse(ACK));
		McpListenStream listen = listen();
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		Disposable watching = listen.statusChanges().subscribe(statuses::add);
		Disposable subscription = listen.events().subscribe();
		try {
			// The scripted server ends each stream right after its acknowledgement, so
			// the stream is OPEN only for a moment before it reopens: wait for OPEN to
			// have been seen, not for it to be the latest status.
			await().atMost(Duration.ofSeconds(20))
				.until(() -> statuses.stream().anyMatch((status) -> status.state() == McpStreamStatus.State.OPEN));
			// Before it opened.
			List<McpStreamStatus> reconnects = statuses.stream()
				.takeWhile((status) -> status.state() != McpStreamStatus.State.OPEN)
				.filter((status) -> status.state() == McpStreamStatus.State.RECONNECTING)
				.toList();
			assertThat(reconnects).extracting(McpStreamStatus::attempt).containsExactly(1, 2, 3, 4, 5);
			assertThat(reconnects).extracting(McpStreamStatus::nextDelay)
				.containsExactly(Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80),
						Duration.ofMillis(160), Duration.ofMillis(320));
			assertThat(reconnects.get(0).cause().getMessage()).contains("-32603", "Internal error");
			// Failure streak: each failure logged once, INFO for the first three, WARN at
			// the fourth and fifth (the headers of each failed connection came: they do
			// not count as working again), one line when it works again.
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(output.getOut())
					.contains("Stream 'listening' delivers events again after failing for")
					.contains("(5 failed attempts)"));
			assertThat(output.getOut().lines().filter((line) -> line.contains("-32603"))).hasSize(5);
			assertThat(output.getOut().lines().filter((line) -> line.contains("WARN") && line.contains("-32603")))
				.hasSize(2)
				.allSatisfy((line) -> assertThat(line).containsPattern("failing since .* \\([45] attempts\\)"));
		}
		finally {
			subscription.dispose();
			watching.dispose();
		}
	}

	@Test
	void aJsonErrorBodyInsteadOfAStreamSaysWhatTheServerAnswered(CapturedOutput output) {
		this.script.set((request) -> Answer.json(error(-32602, "Unknown filter field \\\"bogus\\\"")));
		McpListenStream listen = listen();
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		Disposable watching = listen.statusChanges().subscribe(statuses::add);
		Disposable subscription = listen.events().subscribe();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> last(statuses).state() == McpStreamStatus.State.FAILED);
			assertThat(last(statuses).cause().getMessage()).contains("-32602", "Unknown filter field \"bogus\"");
			assertThat(this.bodies).hasSize(1);
		}
		finally {
			subscription.dispose();
			watching.dispose();
		}
	}

	@Test
	void aJsonResultBodyInsteadOfAStreamIsShownInTheError() {
		this.script.set((request) -> Answer.json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"note\":\"bye\"}}"));
		McpListenStream listen = listen();
		List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
		Disposable watching = listen.statusChanges().subscribe(statuses::add);
		Disposable subscription = listen.events().subscribe();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> last(statuses).state() == McpStreamStatus.State.FAILED);
			assertThat(last(statuses).cause().getMessage()).contains("not text/event-stream",
					"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"note\":\"bye\"}}");
		}
		finally {
			subscription.dispose();
			watching.dispose();
		}
	}

	private McpListenStream listen() {
		StreamSettings defaults = StreamSettings.defaults();
		StreamSettings settings = new StreamSettings(defaults.buffer(), defaults.overflow(), defaults.maxEventSize(),
				Duration.ofSeconds(5), defaults.shutdownGrace(),
				new StreamSettings.Reconnect(Duration.ofMillis(20), Duration.ofSeconds(1), 2.0, 0.0, 0));
		return McpListenStream
			.builder("listening", URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/mcp"),
					WebClient.create(), settings, JsonMapper.builder().build())
			.filter(() -> Mono
				.just(McpSchema.SubscriptionFilter.EMPTY.with(McpSchema.SubscriptionFilter.TOOLS_LIST_CHANGED, true)))
			.build();
	}

	private static String error(int code, String message) {
		return "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\"}}";
	}

	private static McpStreamStatus last(List<McpStreamStatus> statuses) {
		return statuses.get(statuses.size() - 1);
	}

	record Answer(String contentType, String body) {

		static Answer sse(String json) {
			return new Answer("text/event-stream", "data: " + json + "\n\n");
		}

		static Answer json(String json) {
			return new Answer("application/json", json);
		}

	}

}
