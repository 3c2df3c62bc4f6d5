package io.github.cloudrunmcp.test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recording proxy in front of the MCP reference server: tokens checked, responses
 * streamed, faults injected.
 */
class RecordingProxyTests {

	private static final String AUDIENCE = "https://everything.example.com";

	private static final String END = "\u0000end";

	private static final TestTokenIssuer issuer = new TestTokenIssuer();

	private static EverythingServer everything;

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private RecordingProxy proxy;

	@BeforeAll
	static void startEverything() {
		everything = EverythingServer.start();
	}

	@AfterAll
	static void stopEverything() {
		if (everything != null) {
			everything.close();
		}
	}

	@BeforeEach
	void startProxy() {
		this.proxy = new RecordingProxy(URI.create(everything.origin()), issuer, AUDIENCE);
		this.proxy.start();
	}

	@AfterEach
	void stopProxy() {
		this.proxy.dropStreams();
		this.proxy.stop();
	}

	@Test
	void forwardsRequestsWithAValidTokenAndTheSessionHeaderBack() throws Exception {
		HttpResponse<String> response = send(initialize(token()));
		assertThat(response.statusCode()).as(everything.log()).isEqualTo(200);
		assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
		assertThat(response.headers().firstValue("mcp-session-id")).isPresent();
		assertThat(response.body()).contains("\"protocolVersion\":\"2025-11-25\"");
		assertThat(this.proxy.exchanges()).singleElement().satisfies((exchange) -> {
			assertThat(exchange.method()).isEqualTo("POST");
			assertThat(exchange.uri()).isEqualTo("/mcp");
			assertThat(exchange.hadToken()).isTrue();
			assertThat(exchange.tokenValid()).isTrue();
			assertThat(exchange.body()).contains("\"initialize\"");
		});
	}

	@Test
	void streamsEventsAsTheyArriveAndEndsOpenStreamsWhenDropped() throws Exception {
		String session = initializeSession();
		BlockingQueue<String> lines = new LinkedBlockingQueue<>();
		HttpResponse<InputStream> stream = this.client.send(get(session).build(),
				HttpResponse.BodyHandlers.ofInputStream());
		assertThat(stream.statusCode()).as(everything.log()).isEqualTo(200);
		assertThat(stream.headers().firstValue("content-type")).hasValue("text/event-stream");
		readLines(stream.body(), lines);
		awaitOpenStreams(1);
		assertThat(this.proxy.exchanges("GET")).singleElement().satisfies((exchange) -> {
			assertThat(exchange.sessionId()).isEqualTo(session);
			assertThat(exchange.protocolVersion()).isEqualTo("2025-11-25");
		});
		// The simulated log messages go out on the GET stream at once, while it stays
		// open: only an unbuffered proxy passes them on before the stream ends.
		assertThat(toggleSimulatedLogging(session)).isEqualTo(200);
		String event = pollUntil(lines, "data: {\"method\":\"notifications/message\"", Duration.ofSeconds(10));
		assertThat(event).as(everything.log()).isNotNull();
		// Quiet from here on (until the keep-alive comment after 15 s): only closing the
		// upstream response frees the server's side of the stream.
		assertThat(toggleSimulatedLogging(session)).isEqualTo(200);
		assertThat(this.proxy.dropStreams()).isEqualTo(1);
		assertThat(pollUntil(lines, END, Duration.ofSeconds(5))).as("the stream ends").isEqualTo(END);
		assertThat(this.proxy.openStreams()).isZero();
		// The proxy let go of the upstream stream too: the server allows one GET stream
		// per session and answers a second one with 409 while the first is open.
		int status = 0;
		for (int attempt = 0; attempt < 20 && status != 200; attempt++) {
			HttpResponse<InputStream> again = this.client.send(get(session).build(),
					HttpResponse.BodyHandlers.ofInputStream());
			status = again.statusCode();
			again.body().close();
			Thread.sleep(100);
		}
		assertThat(status).as(everything.log()).isEqualTo(200);
	}

	@Test
	void answersRequestsWithoutAValidTokenWith401AndRecordsThem() throws Exception {
		HttpResponse<String> missing = send(initialize(null));
		HttpResponse<String> wrongAudience = send(
				initialize(issuer.mint("https://other.example.com", Duration.ofMinutes(5))));
		HttpResponse<String> expired = send(initialize(issuer.mint(AUDIENCE, Duration.ofSeconds(-10))));
		HttpResponse<String> foreign = send(initialize(new TestTokenIssuer().mint(AUDIENCE, Duration.ofMinutes(5))));
		// The reference server never answers 401: these were not forwarded.
		assertThat(missing.statusCode()).isEqualTo(401);
		assertThat(wrongAudience.statusCode()).isEqualTo(401);
		assertThat(expired.statusCode()).isEqualTo(401);
		assertThat(foreign.statusCode()).isEqualTo(401);
		assertThat(missing.headers().firstValue("mcp-session-id")).isEmpty();
		assertThat(this.proxy.exchanges("POST")).hasSize(4).noneMatch(RecordingProxy.Exchange::tokenValid);
		assertThat(this.proxy.exchanges("POST")).extracting(RecordingProxy.Exchange::hadToken)
			.containsExactly(false, true, true, true);
		assertThat(this.proxy.exchanges("POST")).extracting(RecordingProxy.Exchange::tokenProblem)
			.containsExactly("no bearer token", "wrong audience https://other.example.com", "expired", "bad signature");
	}

	@Test
	void failNextAnswersTheNextRequestOfThatMethodOnlyWithoutForwarding() throws Exception {
		this.proxy.failNext("POST", 404);
		HttpResponse<String> get = this.client.send(get("unknown").build(), HttpResponse.BodyHandlers.ofString());
		assertThat(get.statusCode()).as("forwarded: the server does not know the session").isEqualTo(400);
		HttpResponse<String> failed = send(initialize(token()));
		assertThat(failed.statusCode()).isEqualTo(404);
		assertThat(failed.headers().firstValue("mcp-session-id")).isEmpty();
		HttpResponse<String> next = send(initialize(token()));
		assertThat(next.statusCode()).isEqualTo(200);
		assertThat(next.headers().firstValue("mcp-session-id")).isPresent();
		assertThat(this.proxy.exchanges()).extracting(RecordingProxy.Exchange::method)
			.containsExactly("GET", "POST", "POST");
	}

	@Test
	void keepsTheClientConnectionAliveAcrossChunkedResponses() throws Exception {
		try (Socket socket = new Socket("127.0.0.1", this.proxy.port())) {
			socket.setSoTimeout(10_000);
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			write(out, "POST", EverythingServerTests.INITIALIZE, null);
			Map<String, String> headers = readHeaders(in);
			assertThat(headers).containsEntry(":status", "200").containsEntry("transfer-encoding", "chunked");
			String session = headers.get("mcp-session-id");
			assertThat(session).isNotNull();
			assertThat(readChunked(in)).contains("\"serverInfo\"");
			// The same connection carries the next request and its response.
			write(out, "POST", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", session);
			headers = readHeaders(in);
			assertThat(headers).containsEntry(":status", "200");
			assertThat(readChunked(in)).contains("\"name\":\"echo\"");
		}
		assertThat(this.proxy.exchanges("POST")).hasSize(2);
	}

	private String initializeSession() throws Exception {
		HttpResponse<String> response = send(initialize(token()));
		assertThat(response.statusCode()).as(everything.log()).isEqualTo(200);
		String session = response.headers().firstValue("mcp-session-id").orElseThrow();
		assertThat(send(post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")).statusCode())
			.isEqualTo(202);
		return session;
	}

	private int toggleSimulatedLogging(String session) throws Exception {
		return send(post(session, "{\"jsonrpc\":\"2.0\",\"id\":" + this.proxy.exchanges().size()
				+ ",\"method\":\"tools/call\",\"params\":{\"name\":\"toggle-simulated-logging\",\"arguments\":{}}}"))
			.statusCode();
	}

	private URI mcpUrl() {
		return URI.create(this.proxy.origin() + "/mcp");
	}

	private static String token() {
		return issuer.mint(AUDIENCE, Duration.ofMinutes(5));
	}

	private HttpRequest initialize(@Nullable String token) {
		HttpRequest.Builder request = HttpRequest.newBuilder(mcpUrl())
			.header("Accept", "application/json, text/event-stream")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(EverythingServerTests.INITIALIZE));
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		return request.build();
	}

	private HttpRequest post(String session, String body) {
		return HttpRequest.newBuilder(mcpUrl())
			.header("Accept", "application/json, text/event-stream")
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + token())
			.header("Mcp-Session-Id", session)
			.header("MCP-Protocol-Version", "2025-11-25")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
	}

	private HttpRequest.Builder get(String session) {
		return HttpRequest.newBuilder(mcpUrl())
			.header("Accept", "text/event-stream")
			.header("Authorization", "Bearer " + token())
			.header("Mcp-Session-Id", session)
			.header("MCP-Protocol-Version", "2025-11-25");
	}

	private HttpResponse<String> send(HttpRequest request) throws Exception {
		return this.client.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private void awaitOpenStreams(int count) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (this.proxy.openStreams() < count && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(this.proxy.openStreams()).isEqualTo(count);
	}

	private static void readLines(InputStream body, BlockingQueue<String> lines) {
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					lines.add(line);
				}
			}
			catch (IOException ex) {
				lines.add("\u0000" + ex);
			}
			lines.add(END);
		}, "event-stream-reader");
		reader.setDaemon(true);
		reader.start();
	}

	private static @Nullable String pollUntil(BlockingQueue<String> lines, String prefix, Duration timeout)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		String line;
		while ((line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null) {
			if (line.startsWith(prefix)) {
				return line;
			}
			if (line.startsWith("\u0000")) {
				return line;
			}
		}
		return null;
	}

	private void write(OutputStream out, String method, String body, @Nullable String session) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		StringBuilder request = new StringBuilder().append(method)
			.append(" /mcp HTTP/1.1\r\n")
			.append("Host: 127.0.0.1:")
			.append(this.proxy.port())
			.append("\r\nAuthorization: Bearer ")
			.append(token())
			.append("\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n")
			.append("Content-Length: ")
			.append(bytes.length)
			.append("\r\n");
		if (session != null) {
			request.append("Mcp-Session-Id: ").append(session).append("\r\nMCP-Protocol-Version: 2025-11-25\r\n");
		}
		out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
		out.write(bytes);
		out.flush();
	}

	private static Map<String, String> readHeaders(InputStream in) throws IOException {
		Map<String, String> headers = new LinkedHashMap<>();
		String status = readLine(in);
		headers.put(":status", status.split(" ")[1]);
		String line;
		while (!(line = readLine(in)).isEmpty()) {
			int colon = line.indexOf(':');
			headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
		}
		return headers;
	}

	private static String readChunked(InputStream in) throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		int size;
		while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
			body.write(in.readNBytes(size));
			assertThat(readLine(in)).isEmpty();
		}
		assertThat(readLine(in)).as("no trailers").isEmpty();
		return body.toString(StandardCharsets.UTF_8);
	}

	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int read;
		while ((read = in.read()) != '\n') {
			if (read == -1) {
				throw new IOException("connection closed");
			}
			if (read != '\r') {
				line.write(read);
			}
		}
		return line.toString(StandardCharsets.US_ASCII);
	}

}
