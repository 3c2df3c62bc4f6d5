package io.github.cloudrunmcp.test;

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
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * A loopback TCP proxy in front of an HTTP server that breaks connections on purpose, to
 * test what a client does when the network or the server misbehaves: added latency, a
 * bandwidth limit, a reset in the middle of a response, a black hole, a half-open
 * connection, response headers that never come, a body cut short, and redirects (chains
 * and loops).
 *
 * <p>
 * Faults are chosen per connection: {@link #next(Fault)} queues a fault for the next
 * connection (queue several for several connections), {@link #always(Fault)} sets the
 * fault of every connection that has no queued one; {@link Fault#none()} passes bytes
 * through untouched. The proxy works on bytes, so it needs no knowledge of HTTP except to
 * answer redirects. Each connection uses two platform threads; the proxy is meant for
 * tests, not for load.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to("127.0.0.1", server.port()).start()) {
 *     proxy.next(FaultProxy.Fault.resetAfter(300)); // first connection reset mid-stream
 *     // point the client at proxy.origin() and assert that no event is lost
 * }
 * }</pre>
 */
public final class FaultProxy implements AutoCloseable {

	private static final int BUFFER = 8192;

	private final String upstreamHost;

	private final int upstreamPort;

	private final ConcurrentLinkedQueue<Fault> queued = new ConcurrentLinkedQueue<>();

	private volatile Fault standing = Fault.none();

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private final AtomicInteger connections = new AtomicInteger();

	private @Nullable ServerSocket server;

	private FaultProxy(String upstreamHost, int upstreamPort) {
		this.upstreamHost = Objects.requireNonNull(upstreamHost, "upstreamHost");
		this.upstreamPort = upstreamPort;
	}

	/**
	 * Create a proxy to a server; {@link #start()} starts it.
	 * @param host the server's host, usually {@code 127.0.0.1}
	 * @param port the server's port
	 * @return the proxy
	 */
	public static FaultProxy to(String host, int port) {
		return new FaultProxy(host, port);
	}

	/**
	 * Listen on a free loopback port.
	 * @return this proxy
	 */
	public FaultProxy start() {
		try {
			ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			this.server = socket;
			Thread acceptor = new Thread(() -> accept(socket), "fault-proxy-accept-" + socket.getLocalPort());
			acceptor.setDaemon(true);
			acceptor.start();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not listen on a loopback port", ex);
		}
	}

	/**
	 * Return the proxy's port.
	 * @return the port
	 */
	public int port() {
		ServerSocket socket = this.server;
		if (socket == null) {
			throw new IllegalStateException("The proxy is not started: call start() first");
		}
		return socket.getLocalPort();
	}

	/**
	 * Return the proxy's origin, such as {@code http://127.0.0.1:40123}: use it instead
	 * of the server's.
	 * @return the origin
	 */
	public String origin() {
		return "http://127.0.0.1:" + port();
	}

	/**
	 * Queue a fault for the next connection that has none queued before it.
	 * @param fault the fault
	 * @return this proxy
	 */
	public FaultProxy next(Fault fault) {
		this.queued.add(Objects.requireNonNull(fault, "fault"));
		return this;
	}

	/**
	 * Set the fault of every connection that finds no queued fault.
	 * @param fault the fault, {@link Fault#none()} to pass through
	 * @return this proxy
	 */
	public FaultProxy always(Fault fault) {
		this.standing = Objects.requireNonNull(fault, "fault");
		return this;
	}

	/**
	 * Return how many connections the proxy accepted.
	 * @return the count
	 */
	public int connections() {
		return this.connections.get();
	}

	/**
	 * Reset every open connection now (TCP RST), as when a load balancer or an instance
	 * goes away.
	 */
	public void resetAll() {
		for (Socket socket : this.sockets) {
			reset(socket);
		}
	}

	/**
	 * Stop listening and reset every open connection.
	 */
	public void stop() {
		ServerSocket socket = this.server;
		if (socket != null) {
			closeQuietly(socket);
		}
		resetAll();
	}

	@Override
	public void close() {
		stop();
	}

	private void accept(ServerSocket socket) {
		while (!socket.isClosed()) {
			try {
				Socket client = socket.accept();
				this.connections.incrementAndGet();
				Fault fault = this.queued.poll();
				Fault chosen = (fault != null) ? fault : this.standing;
				Thread thread = new Thread(() -> serve(client, chosen), "fault-proxy-" + client.getPort());
				thread.setDaemon(true);
				thread.start();
			}
			catch (IOException ex) {
				// Closed: the loop ends.
			}
		}
	}

	private void serve(Socket client, Fault fault) {
		this.sockets.add(client);
		Socket upstream = null;
		try {
			switch (fault.kind) {
				case BLACK_HOLE -> {
					// Accept and never read or answer: the client's request stays in the
					// socket buffers, as when packets are dropped.
					hold(client);
					return;
				}
				case HEADERS_NEVER_COME -> {
					// Read the request, answer nothing, keep the connection open.
					drain(client.getInputStream());
					hold(client);
					return;
				}
				case REDIRECT -> {
					readRequestHead(client.getInputStream());
					String response = "HTTP/1.1 " + fault.limit + " Redirect\r\nLocation: " + fault.location
							+ "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
					OutputStream out = client.getOutputStream();
					out.write(response.getBytes(StandardCharsets.ISO_8859_1));
					out.flush();
					closeQuietly(client);
					return;
				}
				default -> {
				}
			}
			upstream = new Socket(this.upstreamHost, this.upstreamPort);
			upstream.setTcpNoDelay(true);
			client.setTcpNoDelay(true);
			this.sockets.add(upstream);
			Socket server = upstream;
			// When a byte last passed; 0 until one did, so a connection is idle only
			// after its first exchange, however late the proxy's threads run.
			AtomicLong lastByte = new AtomicLong();
			Thread requests = new Thread(() -> pumpRequests(client, server, fault, lastByte),
					"fault-proxy-up-" + client.getPort());
			requests.setDaemon(true);
			requests.start();
			pump(server, client, fault, lastByte);
		}
		catch (IOException ex) {
			reset(client);
		}
		finally {
			if (upstream != null && fault.kind != Kind.HALF_OPEN) {
				this.sockets.remove(upstream);
			}
		}
	}

	/**
	 * Copy bytes from one socket to the other, applying the fault; on the end of input,
	 * pass the end on (FIN), on an error reset the other side.
	 */
	private void pump(Socket from, Socket to, Fault fault, AtomicLong lastByte) {
		byte[] buffer = new byte[BUFFER];
		long forwarded = 0;
		try {
			InputStream in = from.getInputStream();
			OutputStream out = to.getOutputStream();
			while (true) {
				int max = buffer.length;
				if (fault.kind == Kind.BANDWIDTH) {
					max = (int) Math.max(1, Math.min(max, fault.limit / 10));
				}
				if (fault.limit > 0 && isCut(fault.kind)) {
					max = (int) Math.min(max, fault.limit - forwarded);
				}
				int n = (max > 0) ? in.read(buffer, 0, max) : 0;
				if (n < 0) {
					to.shutdownOutput();
					return;
				}
				if (fault.kind == Kind.DROP_RESPONSE) {
					// The request reached the server; its answer never leaves.
					closeQuietly(to);
					closeQuietly(from);
					return;
				}
				if (fault.kind == Kind.LATENCY) {
					sleep(fault.delay);
				}
				else if (fault.kind == Kind.BANDWIDTH) {
					// limit bytes per second, written in slices of a tenth of a second
					sleep(Duration.ofMillis(Math.max(1, n * 1000L / fault.limit)));
				}
				out.write(buffer, 0, n);
				out.flush();
				forwarded += n;
				lastByte.set(System.nanoTime());
				if (isCut(fault.kind) && forwarded >= fault.limit) {
					switch (fault.kind) {
						case RESET_AFTER -> {
							reset(to);
							reset(from);
						}
						case CUT_AFTER -> {
							closeQuietly(to);
							closeQuietly(from);
						}
						default -> {
							// HALF_OPEN: stop forwarding and keep both sockets open, as
							// when the peer vanished without a FIN.
							hold(to);
						}
					}
					return;
				}
			}
		}
		catch (IOException ex) {
			reset(to);
		}
	}

	/**
	 * Copy the client's bytes to the server; with {@link Kind#FORGET_IDLE}, reset the
	 * connection instead when bytes come after it was idle too long.
	 */
	private void pumpRequests(Socket from, Socket to, Fault fault, AtomicLong lastByte) {
		if (fault.kind != Kind.FORGET_IDLE) {
			pump(from, to, Fault.none(), lastByte);
			return;
		}
		byte[] buffer = new byte[BUFFER];
		try {
			InputStream in = from.getInputStream();
			OutputStream out = to.getOutputStream();
			while (true) {
				int n = in.read(buffer);
				if (n < 0) {
					to.shutdownOutput();
					return;
				}
				long last = lastByte.get();
				if (last != 0 && System.nanoTime() - last >= fault.delay.toNanos()) {
					reset(from);
					reset(to);
					return;
				}
				out.write(buffer, 0, n);
				out.flush();
				lastByte.set(System.nanoTime());
			}
		}
		catch (IOException ex) {
			reset(to);
		}
	}

	private static boolean isCut(Kind kind) {
		return kind == Kind.RESET_AFTER || kind == Kind.CUT_AFTER || kind == Kind.HALF_OPEN;
	}

	/** Keep a socket open, reading nothing, until the proxy stops or the peer leaves. */
	private void hold(Socket socket) {
		while (!socket.isClosed() && this.sockets.contains(socket)) {
			sleep(Duration.ofMillis(50));
		}
	}

	private static void drain(InputStream in) {
		Thread reader = new Thread(() -> {
			byte[] buffer = new byte[BUFFER];
			try {
				while (in.read(buffer) >= 0) {
					// discard
				}
			}
			catch (IOException ex) {
				// The connection went away.
			}
		}, "fault-proxy-drain");
		reader.setDaemon(true);
		reader.start();
	}

	private static void readRequestHead(InputStream in) throws IOException {
		int matched = 0;
		byte[] end = { '\r', '\n', '\r', '\n' };
		while (matched < end.length) {
			int b = in.read();
			if (b < 0) {
				return;
			}
			matched = (b == end[matched]) ? matched + 1 : ((b == '\r') ? 1 : 0);
		}
	}

	private void reset(Socket socket) {
		this.sockets.remove(socket);
		try {
			socket.setSoLinger(true, 0);
		}
		catch (SocketException ex) {
			// Already closed.
		}
		closeQuietly(socket);
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Nothing to do.
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private enum Kind {

		NONE, LATENCY, BANDWIDTH, RESET_AFTER, CUT_AFTER, HALF_OPEN, BLACK_HOLE, HEADERS_NEVER_COME, REDIRECT,
		FORGET_IDLE, DROP_RESPONSE

	}

	/**
	 * What the proxy does to one connection. Byte counts are of the server's response,
	 * headers included.
	 */
	public static final class Fault {

		private final Kind kind;

		private final long limit;

		private final Duration delay;

		private final String location;

		private Fault(Kind kind, long limit, Duration delay, String location) {
			this.kind = kind;
			this.limit = limit;
			this.delay = delay;
			this.location = location;
		}

		/**
		 * Pass every byte through.
		 * @return the fault
		 */
		public static Fault none() {
			return new Fault(Kind.NONE, 0, Duration.ZERO, "");
		}

		/**
		 * Delay every chunk of the response.
		 * @param delay the delay per chunk
		 * @return the fault
		 */
		public static Fault latency(Duration delay) {
			return new Fault(Kind.LATENCY, 0, Objects.requireNonNull(delay, "delay"), "");
		}

		/**
		 * Limit the response to a number of bytes per second.
		 * @param bytesPerSecond the limit, at least 10
		 * @return the fault
		 */
		public static Fault bandwidth(long bytesPerSecond) {
			if (bytesPerSecond < 10) {
				throw new IllegalArgumentException("bytesPerSecond must be at least 10, got " + bytesPerSecond);
			}
			return new Fault(Kind.BANDWIDTH, bytesPerSecond, Duration.ZERO, "");
		}

		/**
		 * Forward this many bytes of the response, then reset the connection (TCP RST):
		 * pick a count inside an event to reset in the middle of it.
		 * @param bytes the bytes forwarded first, at least 1
		 * @return the fault
		 */
		public static Fault resetAfter(long bytes) {
			return new Fault(Kind.RESET_AFTER, positive(bytes), Duration.ZERO, "");
		}

		/**
		 * Forward this many bytes of the response, then close the connection cleanly
		 * (FIN): a chunked body cut short, with no final chunk.
		 * @param bytes the bytes forwarded first, at least 1
		 * @return the fault
		 */
		public static Fault cutAfter(long bytes) {
			return new Fault(Kind.CUT_AFTER, positive(bytes), Duration.ZERO, "");
		}

		/**
		 * Forward this many bytes of the response, then forward nothing more while
		 * keeping the connection open: a half-open connection whose peer vanished.
		 * @param bytes the bytes forwarded first, at least 1
		 * @return the fault
		 */
		public static Fault halfOpenAfter(long bytes) {
			return new Fault(Kind.HALF_OPEN, positive(bytes), Duration.ZERO, "");
		}

		/**
		 * Forward bytes both ways until the connection has been idle (no byte either way)
		 * for this long; then answer the client's next bytes with a reset (TCP RST)
		 * instead of forwarding them, without closing the connection before: a server or
		 * a proxy that dropped an idle keep-alive connection, seen by the client only
		 * when it reuses the connection.
		 * @param idle the idle time after which the connection is forgotten
		 * @return the fault
		 */
		public static Fault forgetIdleAfter(Duration idle) {
			if (Objects.requireNonNull(idle, "idle").isZero() || idle.isNegative()) {
				throw new IllegalArgumentException("idle must be positive, got " + idle);
			}
			return new Fault(Kind.FORGET_IDLE, 0, idle, "");
		}

		/**
		 * Forward the request to the server, then close the connection (FIN) when the
		 * response begins, forwarding none of it: a request that the server processed and
		 * whose answer was lost.
		 * @return the fault
		 */
		public static Fault dropResponse() {
			return new Fault(Kind.DROP_RESPONSE, 0, Duration.ZERO, "");
		}

		/**
		 * Accept the connection and never read from it nor answer.
		 * @return the fault
		 */
		public static Fault blackHole() {
			return new Fault(Kind.BLACK_HOLE, 0, Duration.ZERO, "");
		}

		/**
		 * Read the request and never answer, not even with headers.
		 * @return the fault
		 */
		public static Fault headersNeverCome() {
			return new Fault(Kind.HEADERS_NEVER_COME, 0, Duration.ZERO, "");
		}

		/**
		 * Answer the request with a redirect instead of forwarding it. Queue several to
		 * make a chain; point the location at the proxy itself with
		 * {@link FaultProxy#always(Fault)} to make a loop.
		 * @param status the status, 301, 302, 303, 307 or 308
		 * @param location the {@code Location} header
		 * @return the fault
		 */
		public static Fault redirect(int status, String location) {
			if (status < 300 || status > 399) {
				throw new IllegalArgumentException("status must be a 3xx redirect, got " + status);
			}
			if (location.indexOf('\r') >= 0 || location.indexOf('\n') >= 0) {
				throw new IllegalArgumentException("location must be one line");
			}
			return new Fault(Kind.REDIRECT, status, Duration.ZERO, location);
		}

		private static long positive(long bytes) {
			if (bytes < 1) {
				throw new IllegalArgumentException("bytes must be at least 1, got " + bytes);
			}
			return bytes;
		}

		@Override
		public String toString() {
			return "Fault[" + this.kind + ((this.limit != 0) ? " " + this.limit : "")
					+ (this.delay.isZero() ? "" : " " + this.delay)
					+ (this.location.isEmpty() ? "" : " " + this.location) + "]";
		}

	}

}
