package io.github.cloudrunmcp.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * {@link ReusedConnectionRetry} against a server that answers the first request of every
 * connection and then misbehaves on the same connection, byte by byte: a GET is sent
 * again only when its reused connection ended before one byte of an answer, and never
 * once a byte of one (a status line cut short, headers, part of a body) came.
 */
class ReusedConnectionRetryTests {

	private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		.getBytes(StandardCharsets.US_ASCII);

	private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

	private final AtomicInteger connections = new AtomicInteger();

	private ServerSocket server;

	private McpConnectionPool pool;

	@BeforeEach
	void start() throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "scripted-server");
		acceptor.setDaemon(true);
		acceptor.start();
		this.pool = McpConnectionPool.create(null, Duration.ofSeconds(30));
	}

	@AfterEach
	void stop() throws IOException {
		this.pool.close();
		this.server.close();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/close", "/reset" })
	void aGetWhoseReusedConnectionEndedBeforeAnyByteOfAnAnswerIsSentAgainOnce(String path) throws Exception {
		WebClient client = client();
		assertThat(get(client, "/ok")).isEqualTo("ok");
		released();
		// The second attempt goes out on a new connection, whose first answer is "ok".
		assertThat(get(client, path)).isEqualTo("ok");
		assertThat(count(path)).isEqualTo(2);
		assertThat(this.connections).hasValue(2);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/status-cut", "/headers-cut", "/body-cut" })
	void aGetWhoseAnswerHadBegunIsNeverSentAgain(String path) throws Exception {
		WebClient client = client();
		assertThat(get(client, "/ok")).isEqualTo("ok");
		released();
		assertThatException().isThrownBy(() -> get(client, path));
		// Anything sent again would have arrived by now.
		Thread.sleep(300);
		assertThat(count(path)).isEqualTo(1);
		assertThat(this.connections).hasValue(1);
	}

	private WebClient client() {
		return WebClient.builder()
			.baseUrl("http://127.0.0.1:" + this.server.getLocalPort())
			.clientConnector(new ReactorClientHttpConnector(this.pool.httpClient()))
			.filter(new ReusedConnectionRetry())
			.build();
	}

	private static String get(WebClient client, String path) {
		return client.get().uri(path).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30));
	}

	/** The pool takes a connection back just after the body was read. */
	private static void released() throws InterruptedException {
		Thread.sleep(300);
	}

	private int count(String path) {
		AtomicInteger count = this.received.get(path);
		return (count != null) ? count.get() : 0;
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket socket = this.server.accept();
				this.connections.incrementAndGet();
				Thread thread = new Thread(() -> serve(socket), "scripted-connection");
				thread.setDaemon(true);
				thread.start();
			}
			catch (IOException ex) {
				// Closed: the loop ends.
			}
		}
	}

	/** Answer the connection's first request, then do what the next one's path says. */
	private void serve(Socket socket) {
		try (socket) {
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			boolean first = true;
			String path;
			while ((path = readRequest(in)) != null) {
				this.received.computeIfAbsent(path, (key) -> new AtomicInteger()).incrementAndGet();
				if (first || path.equals("/ok")) {
					out.write(OK);
					out.flush();
					first = false;
					continue;
				}
				switch (path) {
					case "/reset" -> socket.setSoLinger(true, 0);
					case "/status-cut" -> write(out, "HTTP/1.1 20");
					case "/headers-cut" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
					case "/body-cut" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok");
					default -> {
						// "/close": a FIN and nothing else.
					}
				}
				return;
			}
		}
		catch (IOException ex) {
			// The client went away.
		}
	}

	private static void write(OutputStream out, String text) throws IOException {
		out.write(text.getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	/** Read a request's head (a GET has no body) and return its path, null at the end. */
	private static String readRequest(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		int b;
		while ((b = in.read()) >= 0) {
			head.append((char) b);
			if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
				String requestLine = head.substring(0, head.indexOf("\r\n"));
				return requestLine.split(" ")[1];
			}
		}
		return null;
	}

}
