package io.github.cloudrunmcp.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.github.cloudrunmcp.test.FaultProxy;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.ConnectionObserver;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Keep-alive connections that a server or a proxy closed or forgot while idle, against a
 * real HTTP server behind a {@link FaultProxy}: the maximum idle time keeps the client
 * from reusing them, and only an idempotent request is sent again when it met one.
 */
class McpConnectionPoolTests {

	private static final Duration FORGOTTEN_AFTER = Duration.ofMillis(400);

	private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

	private final Semaphore releases = new Semaphore(0);

	private HttpServer server;

	private FaultProxy proxy;

	private @Nullable McpConnectionPool pool;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			String path = exchange.getRequestURI().getPath();
			this.received.computeIfAbsent(exchange.getRequestMethod() + " " + path, (key) -> new AtomicInteger())
				.incrementAndGet();
			if (path.equals("/lost")) {
				// Processed, and the connection closed before any byte of an answer.
				throw new IllegalStateException("answer lost");
			}
			byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		this.server.start();
		this.proxy = FaultProxy.to("127.0.0.1", this.server.getAddress().getPort()).start();
	}

	@AfterEach
	void stop() {
		if (this.pool != null) {
			this.pool.close();
		}
		this.proxy.close();
		this.server.stop(0);
	}

	@Test
	void withoutMaxIdleTimeACallOnAForgottenConnectionFails() throws InterruptedException {
		this.proxy.always(FaultProxy.Fault.forgetIdleAfter(FORGOTTEN_AFTER));
		WebClient client = client(Duration.ZERO, false);
		assertThat(call(client, HttpMethod.POST, "/call")).isEqualTo("ok");
		Thread.sleep(FORGOTTEN_AFTER.toMillis() + 300);
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> call(client, HttpMethod.POST, "/call"));
		assertThat(count("POST /call")).isEqualTo(1);
	}

	@Test
	void connectionIdleLongerThanMaxIdleTimeIsNotReused() throws InterruptedException {
		this.proxy.always(FaultProxy.Fault.forgetIdleAfter(FORGOTTEN_AFTER));
		WebClient client = client(Duration.ofMillis(150), false);
		assertThat(call(client, HttpMethod.POST, "/call")).isEqualTo("ok");
		Thread.sleep(FORGOTTEN_AFTER.toMillis() + 300);
		assertThat(call(client, HttpMethod.POST, "/call")).isEqualTo("ok");
		assertThat(count("POST /call")).isEqualTo(2);
		assertThat(this.proxy.connections()).isEqualTo(2);
	}

	@Test
	void connectionIdleShorterThanMaxIdleTimeIsReused() throws InterruptedException {
		WebClient client = client(Duration.ofSeconds(30), false);
		for (int i = 0; i < 3; i++) {
			assertThat(call(client, HttpMethod.POST, "/call")).isEqualTo("ok");
			released();
		}
		assertThat(this.proxy.connections()).isEqualTo(1);
	}

	@Test
	void keepsTheConnectionLimitsOfReactorNettysGlobalPool() {
		McpConnectionPool created = McpConnectionPool.create(null, Duration.ofSeconds(4));
		this.pool = created;
		// Long-lived streams hold a connection each: the global pool allows 500 per
		// server.
		assertThat(created.connectionProvider().maxConnections()).isGreaterThanOrEqualTo(500);
		assertThat(created.connectionProvider().name()).isEqualTo("cloudrun-mcp");
	}

	@Test
	void idleConnectionsAreClosedInTheBackground() throws InterruptedException {
		McpConnectionPool created = McpConnectionPool.create(null, Duration.ofMillis(200));
		this.pool = created;
		CountDownLatch closed = new CountDownLatch(1);
		WebClient client = WebClient.builder()
			.baseUrl(this.proxy.origin())
			.clientConnector(new ReactorClientHttpConnector(
					created.httpClient().doOnConnected((connection) -> connection.onDispose(closed::countDown))))
			.build();
		assertThat(call(client, HttpMethod.GET, "/call")).isEqualTo("ok");
		// Nothing is acquired after the call: only the background eviction closes it.
		assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void idempotentRequestOnAForgottenConnectionIsSentAgainOnce() throws InterruptedException {
		this.proxy.always(FaultProxy.Fault.forgetIdleAfter(FORGOTTEN_AFTER));
		WebClient client = client(Duration.ZERO, true);
		assertThat(call(client, HttpMethod.GET, "/stream")).isEqualTo("ok");
		Thread.sleep(FORGOTTEN_AFTER.toMillis() + 300);
		assertThat(call(client, HttpMethod.GET, "/stream")).isEqualTo("ok");
		assertThat(count("GET /stream")).isEqualTo(2);
		assertThat(this.proxy.connections()).isEqualTo(2);
	}

	@Test
	void postOnAForgottenConnectionIsNotSentAgain() throws InterruptedException {
		this.proxy.always(FaultProxy.Fault.forgetIdleAfter(FORGOTTEN_AFTER));
		WebClient client = client(Duration.ZERO, true);
		assertThat(call(client, HttpMethod.POST, "/call")).isEqualTo("ok");
		Thread.sleep(FORGOTTEN_AFTER.toMillis() + 300);
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> call(client, HttpMethod.POST, "/call"));
		assertThat(this.proxy.connections()).isEqualTo(1);
	}

	@Test
	void postWhoseAnswerWasLostOnAReusedConnectionIsNotSentAgain() throws InterruptedException {
		WebClient client = client(Duration.ofSeconds(30), true);
		assertThat(call(client, HttpMethod.POST, "/call")).isEqualTo("ok");
		released();
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> call(client, HttpMethod.POST, "/lost"))
			.withMessageContaining("BEFORE response");
		assertThat(count("POST /lost")).isEqualTo(1);
	}

	@Test
	void idempotentRequestWhoseAnswerWasLostOnAReusedConnectionIsSentAgainOnlyOnce() throws InterruptedException {
		WebClient client = client(Duration.ofSeconds(30), true);
		assertThat(call(client, HttpMethod.GET, "/call")).isEqualTo("ok");
		released();
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> call(client, HttpMethod.GET, "/lost"));
		assertThat(count("GET /lost")).isEqualTo(2);
		assertThat(this.proxy.connections()).isEqualTo(2);
	}

	@Test
	void idempotentRequestWhoseAnswerWasLostOnANewConnectionIsNotSentAgain() {
		WebClient client = client(Duration.ofSeconds(30), true);
		assertThatExceptionOfType(WebClientRequestException.class)
			.isThrownBy(() -> call(client, HttpMethod.GET, "/lost"));
		assertThat(count("GET /lost")).isEqualTo(1);
	}

	/**
	 * Wait until the pool took the last call's connection back, which it does on the
	 * event loop after the body was read, however late that runs on a busy machine.
	 */
	private void released() throws InterruptedException {
		assertThat(this.releases.tryAcquire(30, TimeUnit.SECONDS)).as("connection back in the pool").isTrue();
	}

	private WebClient client(Duration maxIdleTime, boolean retry) {
		McpConnectionPool created = McpConnectionPool.create(null, maxIdleTime);
		this.pool = created;
		WebClient.Builder builder = WebClient.builder()
			.baseUrl(this.proxy.origin())
			.clientConnector(new ReactorClientHttpConnector(created.httpClient().observe((connection, state) -> {
				if (state == ConnectionObserver.State.RELEASED) {
					this.releases.release();
				}
			})));
		if (retry) {
			builder.filter(new ReusedConnectionRetry());
		}
		return builder.build();
	}

	private static @Nullable String call(WebClient client, HttpMethod method, String path) {
		WebClient.RequestBodySpec spec = client.method(method).uri(path);
		WebClient.RequestHeadersSpec<?> ready = (method == HttpMethod.POST)
				? spec.bodyValue("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}") : spec;
		return ready.retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
	}

	private int count(String request) {
		AtomicInteger count = this.received.get(request);
		return (count != null) ? count.get() : 0;
	}

}
