package io.github.cloudrunmcp.test;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * A loopback Server-Sent-Events server that keeps a history of numbered events and
 * resumes from {@code Last-Event-ID}, the way a well-behaved MCP event server does. Tests
 * script each connection: how many events it sends and how it ends (a clean close, a TCP
 * reset, a cut in the middle of an event) or which status it answers. It runs on plain
 * sockets, so that the ends are real; when built with a {@link TestTokenIssuer} it
 * answers 401 to requests without a valid ID token.
 */
public final class FakeEventServer implements AutoCloseable {

	/**
	 * Connection threads, reused: starting a thread per connection would add its cost to
	 * every reconnect the server measures.
	 */
	private final ExecutorService handlers = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, "FakeEventServer-conn");
		thread.setDaemon(true);
		return thread;
	});

	private final @Nullable TestTokenIssuer issuer;

	private final String path;

	/**
	 * Appended to and read by index only: a synchronized list appends in constant time,
	 * where a copy-on-write one copies the whole history for every event of a long run.
	 */
	private final List<byte[]> history = Collections.synchronizedList(new ArrayList<>());

	private final ConcurrentLinkedQueue<Plan> plans = new ConcurrentLinkedQueue<>();

	private final List<Connection> connections = new CopyOnWriteArrayList<>();

	private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();

	private final AtomicLong eventsWritten = new AtomicLong();

	private final Object newEvents = new Object();

	private volatile @Nullable Long retry;

	private volatile @Nullable String audience;

	private volatile @Nullable ServerSocket serverSocket;

	/**
	 * Create a server for {@code /events} that requires no token.
	 */
	public FakeEventServer() {
		this(null, "/events");
	}

	/**
	 * Create a server.
	 * @param issuer the issuer whose tokens are required, or {@code null} for none
	 * @param path the event-stream path
	 */
	public FakeEventServer(@Nullable TestTokenIssuer issuer, String path) {
		this.issuer = issuer;
		this.path = path;
	}

	/**
	 * Start listening on a free loopback port.
	 * @return this server
	 */
	public FakeEventServer start() {
		try {
			ServerSocket socket = new ServerSocket();
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
			this.serverSocket = socket;
			Thread acceptor = new Thread(() -> accept(socket), "FakeEventServer-accept");
			acceptor.setDaemon(true);
			acceptor.start();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return the server's origin.
	 * @return the origin, such as {@code http://127.0.0.1:40000}
	 */
	public String origin() {
		ServerSocket socket = this.serverSocket;
		if (socket == null) {
			throw new IllegalStateException("Not started");
		}
		return "http://127.0.0.1:" + socket.getLocalPort();
	}

	/**
	 * Return the audience tokens must carry: the server's origin unless set.
	 * @return the audience
	 */
	public String audience() {
		String configured = this.audience;
		return (configured != null) ? configured : origin();
	}

	/**
	 * Send {@code retry: millis} at the start of every connection.
	 * @param millis the reconnection time, or {@code null} for none
	 * @return this server
	 */
	public FakeEventServer retry(@Nullable Long millis) {
		this.retry = millis;
		return this;
	}

	/**
	 * Append an event with the next id (1, 2, ...) to the history and send it to open
	 * connections.
	 * @param type the SSE event type, or {@code null} for none
	 * @param data the data (may contain LF: one data line each)
	 * @return the event's id
	 */
	public int publish(@Nullable String type, String data) {
		synchronized (this.newEvents) {
			int id = this.history.size() + 1;
			StringBuilder event = new StringBuilder();
			event.append("id: ").append(id).append('\n');
			if (type != null) {
				event.append("event: ").append(type).append('\n');
			}
			for (String line : data.split("\n", -1)) {
				event.append("data: ").append(line).append('\n');
			}
			event.append('\n');
			this.history.add(event.toString().getBytes(StandardCharsets.UTF_8));
			this.newEvents.notifyAll();
			return id;
		}
	}

	/**
	 * Append events numbered {@code from} to {@code to}, each
	 * {@code {"event":"tick","seq":n}} with id {@code n}.
	 * @param count how many events
	 */
	public void publishNumbered(int count) {
		for (int i = 0; i < count; i++) {
			publish(null, "{\"event\":\"tick\",\"seq\":" + (this.history.size() + 1) + "}");
		}
	}

	/**
	 * Script the next connections, one plan each; connections beyond the plans stream
	 * until the server stops.
	 * @param plans the plans
	 * @return this server
	 */
	public FakeEventServer plan(Plan... plans) {
		this.plans.addAll(List.of(plans));
		return this;
	}

	/**
	 * Return the connections accepted so far.
	 * @return the connections, oldest first
	 */
	public List<Connection> connections() {
		return List.copyOf(this.connections);
	}

	/**
	 * Return how many events were written to sockets (the kernel may still hold some).
	 * @return the count
	 */
	public long eventsWritten() {
		return this.eventsWritten.get();
	}

	/**
	 * Stop: close the listening socket and every open connection.
	 */
	public void stop() {
		ServerSocket socket = this.serverSocket;
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ignored) {
				// closing anyway
			}
		}
		for (Socket connection : this.open.keySet()) {
			closeQuietly(connection);
		}
		synchronized (this.newEvents) {
			this.newEvents.notifyAll();
		}
	}

	@Override
	public void close() {
		stop();
	}

	private void accept(ServerSocket socket) {
		while (!socket.isClosed()) {
			try {
				Socket connection = socket.accept();
				this.handlers.execute(() -> handle(connection));
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void handle(Socket socket) {
		this.open.put(socket, Boolean.TRUE);
		try (socket) {
			socket.setTcpNoDelay(true);
			Map<String, String> headers = new ConcurrentHashMap<>();
			String requestLine = readHead(socket.getInputStream(), headers);
			Plan plan = this.plans.poll();
			if (plan == null) {
				plan = Plan.stream();
			}
			String lastEventId = headers.get("last-event-id");
			String verification = verify(headers);
			Connection connection = new Connection(requestLine, lastEventId, headers.get("authorization"), verification,
					System.nanoTime());
			this.connections.add(connection);
			OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
			if (!requestLine.startsWith("GET " + this.path)) {
				respond(out, 404, "Not Found", "");
				return;
			}
			if (!"ok".equals(verification)) {
				respond(out, 401, "Unauthorized", "WWW-Authenticate: Bearer\r\n");
				return;
			}
			if (plan.status() != 0) {
				respond(out, plan.status(), "Status", plan.headers());
				return;
			}
			out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
					+ "Connection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			Long retryMillis = this.retry;
			if (retryMillis != null) {
				out.write(("retry: " + retryMillis + "\n\n").getBytes(StandardCharsets.US_ASCII));
			}
			out.flush();
			stream(socket, out, plan,
					(lastEventId != null && !lastEventId.isEmpty()) ? Integer.parseInt(lastEventId) : 0);
		}
		catch (IOException | RuntimeException ex) {
			// The client went away, or the test stopped the server.
		}
		finally {
			this.open.remove(socket);
		}
	}

	private void stream(Socket socket, OutputStream out, Plan plan, int after) throws IOException {
		int next = after;
		int sent = 0;
		while (!socket.isClosed()) {
			if (next >= this.history.size()) {
				// Flush outside the lock: a client that does not read blocks this write.
				out.flush();
			}
			byte[] event;
			synchronized (this.newEvents) {
				while (next >= this.history.size()) {
					if (sent >= plan.events() || isStopped()) {
						break;
					}
					try {
						this.newEvents.wait(50);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						return;
					}
				}
				if (sent >= plan.events() || isStopped() || next >= this.history.size()) {
					break;
				}
				event = this.history.get(next);
			}
			out.write(event);
			next++;
			sent++;
			this.eventsWritten.incrementAndGet();
		}
		switch (plan.end()) {
			case CLEAN -> out.flush();
			case RESET -> {
				out.flush();
				socket.setSoLinger(true, 0);
			}
			case MID_EVENT -> {
				out.write("id: 999999\ndata: {\"partial\":".getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
		}
	}

	private boolean isStopped() {
		ServerSocket socket = this.serverSocket;
		return socket == null || socket.isClosed();
	}

	private String verify(Map<String, String> headers) {
		TestTokenIssuer tokens = this.issuer;
		if (tokens == null) {
			return "ok";
		}
		String authorization = headers.get("authorization");
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			return "no token";
		}
		TestTokenIssuer.Verification verification = tokens.verify(authorization.substring(7), audience());
		return verification.valid() ? "ok" : verification.reason();
	}

	private static void respond(OutputStream out, int status, String reason, String headers) throws IOException {
		out.write(("HTTP/1.1 " + status + " " + reason + "\r\n" + headers
				+ "Content-Length: 0\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	private static String readHead(InputStream in, Map<String, String> headers) throws IOException {
		List<String> lines = new ArrayList<>();
		StringBuilder line = new StringBuilder();
		int previous = -1;
		while (true) {
			int b = in.read();
			if (b < 0) {
				throw new SocketException("closed before the request head ended");
			}
			if (b == '\n' && previous == '\r') {
				line.setLength(line.length() - 1);
				if (line.length() == 0) {
					break;
				}
				lines.add(line.toString());
				line.setLength(0);
			}
			else {
				line.append((char) b);
			}
			previous = b;
		}
		for (String header : lines.subList(1, lines.size())) {
			int colon = header.indexOf(':');
			if (colon > 0) {
				headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
						header.substring(colon + 1).trim());
			}
		}
		return lines.isEmpty() ? "" : lines.get(0);
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ignored) {
			// closing anyway
		}
	}

	/**
	 * How a connection ends once its plan's events are sent.
	 */
	public enum End {

		/** Close the connection cleanly, as Cloud Run does at its request timeout. */
		CLEAN,

		/** Reset the TCP connection. */
		RESET,

		/** Send the first half of an event, then close. */
		MID_EVENT

	}

	/**
	 * What one connection does.
	 *
	 * @param events how many events to send at most before ending
	 * @param end how the connection ends
	 * @param status a status to answer instead of streaming, or 0
	 * @param headers extra response headers with the status (CRLF-terminated lines)
	 */
	public record Plan(int events, End end, int status, String headers) {

		/**
		 * Stream until the server stops.
		 * @return the plan
		 */
		public static Plan stream() {
			return new Plan(Integer.MAX_VALUE, End.CLEAN, 0, "");
		}

		/**
		 * Send at most {@code events} events, then end as given.
		 * @param events the number of events
		 * @param end how to end
		 * @return the plan
		 */
		public static Plan drop(int events, End end) {
			return new Plan(events, end, 0, "");
		}

		/**
		 * Answer a status instead of streaming.
		 * @param status the status
		 * @param headers extra headers, such as {@code "Retry-After: 1\r\n"}
		 * @return the plan
		 */
		public static Plan status(int status, String headers) {
			return new Plan(0, End.CLEAN, status, headers);
		}

	}

	/**
	 * A connection the server accepted.
	 *
	 * @param requestLine the request line
	 * @param lastEventId the {@code Last-Event-ID} header, if any
	 * @param authorization the {@code Authorization} header, if any
	 * @param verification {@code ok}, or why the token was rejected
	 * @param acceptedAtNanos {@link System#nanoTime()} when the request head was read
	 */
	public record Connection(String requestLine, @Nullable String lastEventId, @Nullable String authorization,
			String verification, long acceptedAtNanos) {

		@Override
		public String toString() {
			return this.requestLine + " Last-Event-ID=" + this.lastEventId + " token="
					+ ((this.authorization != null) ? "present" : "absent") + " " + this.verification;
		}

	}

	/**
	 * Return how long ago a connection was accepted relative to another, for timing
	 * reconnects.
	 * @param earlier the earlier connection
	 * @param later the later connection
	 * @return the time between them
	 */
	public static Duration between(Connection earlier, Connection later) {
		return Duration.ofNanos(later.acceptedAtNanos() - earlier.acceptedAtNanos());
	}

}
