package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scriptable MCP server (Streamable HTTP) on loopback, for tests of how a client copes
 * with what real servers do: sessions that expire, responses that are garbage, errors,
 * silence, SSE responses that end early and are resumed with {@code Last-Event-ID}.
 *
 * <p>
 * By default it answers {@code initialize} with a new session ID, notifications with 202,
 * {@code tools/list} with one {@code echo} tool, {@code ping}, and anything else with a
 * JSON-RPC "method not found" error; GET with 405; DELETE by ending the session. A
 * request with an unknown session ID gets 404. {@link #on(String, Function)} and
 * {@link #onGet(Function)} replace a behaviour.
 *
 * <p>
 * For a notification stream that resumes as a well-behaved server's does,
 * {@link #publishNotification(String)} keeps a history of notifications with the event
 * IDs {@code 1, 2, ...}, and {@code onGet(server::notifications)} answers every GET with
 * the notifications after its {@code Last-Event-ID}, then with new ones as they come.
 */
public final class FakeMcpServer extends LoopbackHttpServer {

	private static final ObjectMapper mapper = JsonMapper.builder().build();

	private final Map<String, Function<Request, Reply>> handlers = new ConcurrentHashMap<>();

	private volatile Function<Request, Reply> getHandler = (request) -> Reply.status(405);

	private final Set<String> sessions = ConcurrentHashMap.newKeySet();

	private final List<Request> requests = new CopyOnWriteArrayList<>();

	private final AtomicInteger sessionCounter = new AtomicInteger();

	// Appended to and read by index only: constant-time appends for long runs.
	private final List<String> notifications = Collections.synchronizedList(new ArrayList<>());

	private final Object newNotifications = new Object();

	private volatile String capabilities = "{\"tools\":{}}";

	/**
	 * Create a server; {@link #start()} starts it.
	 */
	public FakeMcpServer() {
		on("initialize", (request) -> {
			String sessionId = "session-" + this.sessionCounter.incrementAndGet();
			this.sessions.add(sessionId);
			String version = request.body().path("params").path("protocolVersion").asString("2025-11-25");
			return Reply
				.result(request.id(),
						"{\"protocolVersion\":\"" + version + "\",\"capabilities\":" + this.capabilities + ","
								+ "\"serverInfo\":{\"name\":\"fake-mcp\",\"version\":\"1.0.0\"}}")
				.header("Mcp-Session-Id", sessionId);
		});
		on("tools/list", (request) -> Reply.result(request.id(),
				"{\"tools\":[{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}}]}"));
		on("ping", (request) -> Reply.result(request.id(), "{}"));
	}

	/**
	 * Replace the behaviour for a JSON-RPC method.
	 * @param method the method, such as {@code tools/call}
	 * @param handler produces the reply
	 * @return this server
	 */
	public FakeMcpServer on(String method, Function<Request, Reply> handler) {
		this.handlers.put(method, handler);
		return this;
	}

	/**
	 * Replace the capabilities that {@code initialize} answers with, {@code tools} only
	 * by default.
	 * @param json the capabilities object, such as
	 * {@code {"resources":{"subscribe":true}}}
	 * @return this server
	 */
	public FakeMcpServer capabilities(String json) {
		this.capabilities = json;
		return this;
	}

	/**
	 * Replace the behaviour for GET requests (the client's stream), 405 by default.
	 * @param handler produces the reply
	 * @return this server
	 */
	public FakeMcpServer onGet(Function<Request, Reply> handler) {
		this.getHandler = handler;
		return this;
	}

	/**
	 * Append a notification to the history with the next event ID ({@code 1, 2, ...}) and
	 * send it to every open {@link #notifications(Request) notification stream}.
	 * @param json the JSON-RPC notification
	 * @return its event ID
	 */
	public String publishNotification(String json) {
		synchronized (this.newNotifications) {
			this.notifications.add(json);
			this.newNotifications.notifyAll();
			return String.valueOf(this.notifications.size());
		}
	}

	/**
	 * A reply for {@link #onGet(Function)}: an event stream of the notifications after
	 * the request's {@code Last-Event-ID} (all of them without one), then of new ones as
	 * {@link #publishNotification(String)} adds them, until the client leaves or the
	 * server stops.
	 * @param request the GET request
	 * @return the reply
	 */
	public Reply notifications(Request request) {
		int from = 0;
		String lastEventId = request.lastEventId();
		if (lastEventId != null) {
			try {
				from = Integer.parseInt(lastEventId);
			}
			catch (NumberFormatException ex) {
				return Reply.status(400);
			}
		}
		int start = from;
		return new Reply(200, null, "text/event-stream", null, false, (out) -> {
			int next = start;
			while (!Thread.currentThread().isInterrupted()) {
				while (next < this.notifications.size()) {
					out.write(Reply.event(String.valueOf(next + 1), this.notifications.get(next))
						.getBytes(StandardCharsets.UTF_8));
					next++;
				}
				out.flush();
				synchronized (this.newNotifications) {
					if (next >= this.notifications.size()) {
						try {
							this.newNotifications.wait(50);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					}
				}
			}
		});
	}

	/**
	 * Forget every session, as a server that restarted does: requests with their IDs get
	 * 404.
	 */
	public void expireSessions() {
		this.sessions.clear();
	}

	/**
	 * Return the requests received so far, in order.
	 * @return the requests
	 */
	public List<Request> requests() {
		return List.copyOf(this.requests);
	}

	/**
	 * Return the requests of a JSON-RPC method (or of an HTTP method: {@code GET},
	 * {@code DELETE}).
	 * @param method the method
	 * @return the matching requests
	 */
	public List<Request> requests(String method) {
		List<Request> matching = new ArrayList<>();
		for (Request request : this.requests) {
			if (method.equals(request.method()) || method.equals(request.httpMethod())) {
				matching.add(request);
			}
		}
		return matching;
	}

	/**
	 * Return the URL of the MCP endpoint.
	 * @return the URL
	 */
	public String mcpUrl() {
		return origin() + "/mcp";
	}

	@Override
	protected HttpHandler handler() {
		return this::handle;
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String sessionId = exchange.getRequestHeaders().getFirst("Mcp-Session-Id");
			byte[] bytes;
			try (InputStream in = exchange.getRequestBody()) {
				bytes = in.readAllBytes();
			}
			JsonNode body = (bytes.length > 0) ? mapper.readTree(bytes) : mapper.nullNode();
			Request request = new Request(exchange.getRequestMethod(), sessionId,
					exchange.getRequestHeaders().getFirst("Last-Event-ID"),
					exchange.getRequestHeaders().getFirst("MCP-Protocol-Version"),
					exchange.getRequestHeaders().getFirst("Authorization"), body,
					exchange.getRequestHeaders().getFirst("traceparent"));
			this.requests.add(request);
			Reply reply = reply(request);
			send(exchange, reply);
		}
	}

	private Reply reply(Request request) {
		boolean initialize = "initialize".equals(request.method());
		if (!initialize && request.sessionId() != null && !this.sessions.contains(request.sessionId())) {
			return Reply.status(404);
		}
		if ("DELETE".equals(request.httpMethod())) {
			this.sessions.remove(request.sessionId());
			return Reply.status(200);
		}
		if ("GET".equals(request.httpMethod())) {
			return this.getHandler.apply(request);
		}
		Function<Request, Reply> handler = this.handlers.get(request.method());
		if (handler != null) {
			return handler.apply(request);
		}
		if (request.body().has("id")) {
			return Reply.error(request.id(), -32601, "Method not found: " + request.method());
		}
		return Reply.status(202);
	}

	private static void send(HttpExchange exchange, Reply reply) throws IOException {
		reply.headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
		if (reply.hang) {
			exchange.sendResponseHeaders(200, 0);
			exchange.getResponseBody().flush();
			try {
				Thread.sleep(Long.MAX_VALUE);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return;
		}
		if (reply.writer != null) {
			exchange.getResponseHeaders().set("Content-Type", reply.contentType);
			exchange.sendResponseHeaders(200, 0);
			reply.writer.write(exchange.getResponseBody());
			return;
		}
		if (reply.events != null) {
			exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
			exchange.sendResponseHeaders(200, 0);
			OutputStream out = exchange.getResponseBody();
			for (String event : reply.events) {
				out.write(event.getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
			return;
		}
		byte[] body = (reply.body != null) ? reply.body.getBytes(StandardCharsets.UTF_8) : new byte[0];
		if (reply.body != null) {
			exchange.getResponseHeaders().set("Content-Type", reply.contentType);
		}
		exchange.sendResponseHeaders(reply.status, (body.length > 0) ? body.length : -1);
		if (body.length > 0) {
			exchange.getResponseBody().write(body);
		}
	}

	/**
	 * A request the server received.
	 *
	 * @param httpMethod the HTTP method
	 * @param sessionId the {@code Mcp-Session-Id} header, or {@code null}
	 * @param lastEventId the {@code Last-Event-ID} header, or {@code null}
	 * @param protocolVersion the {@code MCP-Protocol-Version} header, or {@code null}
	 * @param authorization the {@code Authorization} header, or {@code null}
	 * @param body the JSON body, a null node when there was none
	 * @param traceparent the W3C {@code traceparent} header, or {@code null}
	 */
	public record Request(String httpMethod, @Nullable String sessionId, @Nullable String lastEventId,
			@Nullable String protocolVersion, @Nullable String authorization, JsonNode body,
			@Nullable String traceparent) {

		/**
		 * Return the JSON-RPC method, or the HTTP method when the body has none.
		 * @return the method
		 */
		public String method() {
			JsonNode method = this.body.get("method");
			return (method != null) ? method.asString() : this.httpMethod;
		}

		/**
		 * Return the JSON-RPC ID as JSON text, such as {@code 1} or {@code "a-1"}.
		 * @return the ID, or {@code null} for a notification
		 */
		public String id() {
			JsonNode id = this.body.get("id");
			return (id != null) ? id.toString() : "null";
		}

	}

	/**
	 * What the server answers.
	 */
	public static final class Reply {

		private final int status;

		private final @Nullable String body;

		private final String contentType;

		private final @Nullable List<String> events;

		private final boolean hang;

		private final @Nullable BodyWriter writer;

		private final Map<String, String> headers = new ConcurrentHashMap<>();

		private Reply(int status, @Nullable String body, String contentType, @Nullable List<String> events,
				boolean hang) {
			this(status, body, contentType, events, hang, null);
		}

		private Reply(int status, @Nullable String body, String contentType, @Nullable List<String> events,
				boolean hang, @Nullable BodyWriter writer) {
			this.status = status;
			this.body = body;
			this.contentType = contentType;
			this.events = events;
			this.hang = hang;
			this.writer = writer;
		}

		/**
		 * A JSON-RPC result.
		 * @param id the request's ID as JSON text
		 * @param resultJson the result as JSON text
		 * @return the reply
		 */
		public static Reply result(String id, String resultJson) {
			return json(200, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + resultJson + "}");
		}

		/**
		 * A JSON-RPC error.
		 * @param id the request's ID as JSON text
		 * @param code the error code
		 * @param message the error message
		 * @return the reply
		 */
		public static Reply error(String id, int code, String message) {
			return json(200, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":" + code + ",\"message\":\""
					+ message.replace("\"", "'") + "\"}}");
		}

		/**
		 * A body sent as {@code application/json}, whatever it holds.
		 * @param status the HTTP status
		 * @param body the body
		 * @return the reply
		 */
		public static Reply json(int status, String body) {
			return new Reply(status, body, "application/json", null, false);
		}

		/**
		 * A bare HTTP status.
		 * @param status the status
		 * @return the reply
		 */
		public static Reply status(int status) {
			return new Reply(status, null, "application/json", null, false);
		}

		/**
		 * An SSE response made of these events, then the end of the response.
		 * @param events the events, each a complete SSE block ending in a blank line
		 * @return the reply
		 */
		public static Reply sse(String... events) {
			return new Reply(200, null, "text/event-stream", List.of(events), false);
		}

		/**
		 * An SSE event block.
		 * @param id the event ID, or {@code null}
		 * @param data the data
		 * @return the block
		 */
		public static String event(@Nullable String id, String data) {
			return ((id != null) ? "id: " + id + "\n" : "") + "data: " + data + "\n\n";
		}

		/**
		 * Response headers and then nothing, until the server stops.
		 * @return the reply
		 */
		public static Reply hang() {
			return new Reply(200, null, "application/json", null, true);
		}

		/**
		 * Add a response header.
		 * @param name the header's name
		 * @param value its value
		 * @return this reply
		 */
		public Reply header(String name, String value) {
			this.headers.put(name, value);
			return this;
		}

	}

	/**
	 * Writes a streamed response body until it is done or the client left.
	 */
	@FunctionalInterface
	private interface BodyWriter {

		void write(OutputStream out) throws IOException;

	}

}
