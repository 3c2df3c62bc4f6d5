package io.github.cloudrunmcp.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;

/**
 * A loopback HTTP server whose every answer a test scripts: a status with headers and a
 * body, or no answer at all. It records each request.
 */
final class ScriptedSseServer implements AutoCloseable {

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, "scripted-sse");
		thread.setDaemon(true);
		return thread;
	});

	private final List<Request> requests = new CopyOnWriteArrayList<>();

	private final CountDownLatch closed = new CountDownLatch(1);

	ScriptedSseServer(Function<Request, Reply> script) {
		try {
			this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.server.setExecutor(this.executor);
		this.server.createContext("/", (exchange) -> {
			Request request = new Request(exchange.getRequestMethod(),
					exchange.getRequestHeaders().getFirst("Last-Event-ID"),
					exchange.getRequestHeaders().getFirst("X-Test"),
					new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), Instant.now());
			this.requests.add(request);
			answer(exchange, script.apply(request));
		});
		this.server.start();
	}

	private void answer(HttpExchange exchange, Reply reply) throws IOException {
		if (reply.status() == 0) {
			// Accept and never answer.
			try {
				this.closed.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			exchange.close();
			return;
		}
		reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
		byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(reply.status(), (reply.status() == 204) ? -1 : body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/events";
	}

	List<Request> requests() {
		return List.copyOf(this.requests);
	}

	@Override
	public void close() {
		this.closed.countDown();
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	record Request(String method, @Nullable String lastEventId, @Nullable String test, String body, Instant at) {
	}

	record Reply(int status, Map<String, String> headers, String body) {

		static Reply events(String body) {
			return new Reply(200, Map.of("Content-Type", "text/event-stream"), body);
		}

		static Reply status(int status, Map<String, String> headers) {
			return new Reply(status, headers, "");
		}

		static Reply never() {
			return new Reply(0, Map.of(), "");
		}

	}

}
