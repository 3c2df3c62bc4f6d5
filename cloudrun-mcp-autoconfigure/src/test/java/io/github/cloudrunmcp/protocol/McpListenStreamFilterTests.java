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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.modern.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The listen stream asks again what to listen to after every reopen: a server whose
 * capabilities changed gets a new stream with the new filter, even while the reopened one
 * is still open.
 */
class McpListenStreamFilterTests {

	private static final McpSchema.SubscriptionFilter TOOLS = McpSchema.SubscriptionFilter.EMPTY
		.with(McpSchema.SubscriptionFilter.TOOLS_LIST_CHANGED, true);

	private static final McpSchema.SubscriptionFilter TOOLS_AND_PROMPTS = TOOLS
		.with(McpSchema.SubscriptionFilter.PROMPTS_LIST_CHANGED, true);

	private final List<String> bodies = new CopyOnWriteArrayList<>();

	private final CountDownLatch stopped = new CountDownLatch(1);

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
			String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
			this.bodies.add(body);
			boolean first = this.bodies.size() == 1;
			exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
			exchange.sendResponseHeaders(200, 0);
			try (OutputStream out = exchange.getResponseBody()) {
				String honoured = body.substring(body.indexOf("\"notifications\":") + "\"notifications\":".length(),
						body.indexOf('}', body.indexOf("\"notifications\":")) + 1);
				out.write(("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/subscriptions/acknowledged\","
						+ "\"params\":{\"notifications\":" + honoured + "}}\n\n")
					.getBytes(StandardCharsets.UTF_8));
				out.flush();
				if (!first) {
					// Later streams stay open until the client ends them.
					this.stopped.await();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (IOException ex) {
				// The client ended the stream.
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.stopped.countDown();
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	@Test
	void aServerThatOffersMoreAfterAReopenGetsAStreamWithTheNewFilter() {
		// Deployed anew after the first start: the server then offers prompt list
		// changes too.
		AtomicInteger asked = new AtomicInteger();
		StreamSettings defaults = StreamSettings.defaults();
		StreamSettings settings = new StreamSettings(defaults.buffer(), defaults.overflow(), defaults.maxEventSize(),
				Duration.ofMinutes(1), defaults.shutdownGrace(),
				new StreamSettings.Reconnect(Duration.ofMillis(20), Duration.ofSeconds(1), 2.0, 0.0, 0));
		McpListenStream listen = McpListenStream
			.builder("changing", URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/mcp"),
					WebClient.create(), settings, JsonMapper.builder().build())
			.filter(() -> Mono.fromSupplier(() -> (asked.incrementAndGet() == 1) ? TOOLS : TOOLS_AND_PROMPTS))
			.build();
		List<McpEvent> events = new CopyOnWriteArrayList<>();
		Disposable subscription = listen.events().subscribe(events::add);
		try {
			// The first stream ended, the second (still open) was asked with the old
			// filter; once it was acknowledged, the filter is asked again and a third
			// stream opened with the new one.
			await().atMost(Duration.ofSeconds(20)).until(() -> this.bodies.size() >= 3);
			assertThat(this.bodies.get(1)).doesNotContain(McpSchema.SubscriptionFilter.PROMPTS_LIST_CHANGED);
			assertThat(this.bodies.get(2)).contains(McpSchema.SubscriptionFilter.PROMPTS_LIST_CHANGED);
			assertThat(listen.filter()).isEqualTo(TOOLS_AND_PROMPTS);
			assertThat(events).extracting(McpEvent::type).contains(McpListenStream.RESYNC_TYPE);
		}
		finally {
			subscription.dispose();
		}
	}

}
