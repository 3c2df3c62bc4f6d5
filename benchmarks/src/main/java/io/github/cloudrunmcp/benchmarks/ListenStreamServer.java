package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scripted 2026-07-28 server on loopback for {@link FaultRecoveryBenchmark}: it answers
 * {@code server/discover} (tool list changes offered) and {@code tools/list} with the MCP
 * Java SDK's own result types, and {@code subscriptions/listen} as a 2026-07-28 server
 * does: an event stream that starts with {@code notifications/subscriptions/acknowledged}
 * (the filter asked for), then carries the notifications published after the request
 * came, with a keep-alive comment every 250 ms of silence. The revision has no
 * resumption: a new listen request gets only what is published after it.
 */
final class ListenStreamServer implements AutoCloseable {

	private static final ObjectMapper mapper = JsonMapper.builder().build();

	private static final long KEEP_ALIVE_MILLIS = 250;

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "listen-stream-server");
		thread.setDaemon(true);
		return thread;
	});

	// Appended to and read by index only.
	private final List<String> notifications = Collections.synchronizedList(new ArrayList<>());

	private final Object published = new Object();

	private final String discover;

	private final String tools;

	private volatile boolean stopped;

	private ListenStreamServer(HttpServer server) throws IOException {
		this.server = server;
		McpJsonMapper json = McpJsonDefaults.getMapper();
		this.discover = json.writeValueAsString(McpSchema.DiscoverResult
			.builder(List.of("2026-07-28"), new McpSchema.ServerCapabilities.Builder().tools(true).build())
			.build());
		this.tools = json.writeValueAsString(McpSchema.ListToolsResult.builder(List.of()).build());
	}

	static ListenStreamServer start() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		ListenStreamServer result = new ListenStreamServer(server);
		server.setExecutor(result.executor);
		server.createContext("/mcp", result::handle);
		server.start();
		return result;
	}

	int port() {
		return this.server.getAddress().getPort();
	}

	/**
	 * Send a notification to every open listen stream.
	 * @param json the JSON-RPC notification
	 */
	void publish(String json) {
		synchronized (this.published) {
			this.notifications.add(json);
			this.published.notifyAll();
		}
	}

	@Override
	public void close() {
		this.stopped = true;
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			// Where this request's stream starts: what is published from now on.
			int from = this.notifications.size();
			byte[] bytes = exchange.getRequestBody().readAllBytes();
			if (!"POST".equals(exchange.getRequestMethod())) {
				exchange.sendResponseHeaders(405, -1);
				return;
			}
			JsonNode request = mapper.readTree(bytes);
			String method = request.path("method").asString("");
			JsonNode id = request.get("id");
			if (id == null) {
				exchange.sendResponseHeaders(202, -1);
				return;
			}
			switch (method) {
				case "server/discover" -> json(exchange, id, this.discover);
				case "tools/list" -> json(exchange, id, this.tools);
				case "subscriptions/listen" -> listen(exchange, request.path("params").path("notifications"), from);
				default -> json(exchange, id, null);
			}
		}
	}

	private static void json(HttpExchange exchange, JsonNode id, String result) throws IOException {
		String body = (result != null) ? "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}"
				: "{\"jsonrpc\":\"2.0\",\"id\":" + id
						+ ",\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}";
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(200, bytes.length);
		exchange.getResponseBody().write(bytes);
	}

	private void listen(HttpExchange exchange, JsonNode filter, int from) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
		exchange.sendResponseHeaders(200, 0);
		OutputStream out = exchange.getResponseBody();
		write(out, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/subscriptions/acknowledged\","
				+ "\"params\":{\"notifications\":" + filter + "}}\n\n");
		int next = from;
		long quietSince = System.nanoTime();
		while (!this.stopped && !Thread.currentThread().isInterrupted()) {
			boolean sent = false;
			while (next < this.notifications.size()) {
				out.write(("data: " + this.notifications.get(next) + "\n\n").getBytes(StandardCharsets.UTF_8));
				next++;
				sent = true;
			}
			if (sent) {
				out.flush();
				quietSince = System.nanoTime();
			}
			else if (System.nanoTime() - quietSince > TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_MILLIS)) {
				write(out, ": keep-alive\n\n");
				quietSince = System.nanoTime();
			}
			synchronized (this.published) {
				if (next >= this.notifications.size()) {
					try {
						this.published.wait(50);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}
		}
	}

	private static void write(OutputStream out, String text) throws IOException {
		out.write(text.getBytes(StandardCharsets.UTF_8));
		out.flush();
	}

}
