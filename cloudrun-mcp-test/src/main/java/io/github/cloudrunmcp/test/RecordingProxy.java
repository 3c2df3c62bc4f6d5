package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.jspecify.annotations.Nullable;

/**
 * A loopback reverse proxy that records every request on its way to an upstream server,
 * verifies the Google ID token each one carries, streams responses (Server-Sent Events
 * included) through unbuffered, and can misbehave on request: drop the open event
 * streams, or answer a request itself with a status.
 */
public final class RecordingProxy extends LoopbackHttpServer {

	private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
			"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect");

	private final URI upstream;

	private final @Nullable TestTokenIssuer issuer;

	private final String audience;

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

	private final Map<InputStream, HttpExchange> openStreams = new ConcurrentHashMap<>();

	private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();

	/**
	 * Create a proxy; {@link #start()} starts it.
	 * @param upstream the origin requests go to, such as {@code http://127.0.0.1:3001}
	 * @param issuer the issuer whose tokens are required, or {@code null} to let every
	 * request through
	 * @param audience the audience the tokens must have; unused without an issuer
	 */
	public RecordingProxy(URI upstream, @Nullable TestTokenIssuer issuer, String audience) {
		this.upstream = upstream;
		this.issuer = issuer;
		this.audience = audience;
	}

	/**
	 * Return what went through so far, in order.
	 * @return the exchanges
	 */
	public List<Exchange> exchanges() {
		return List.copyOf(this.exchanges);
	}

	/**
	 * Return the exchanges of an HTTP method.
	 * @param method the method
	 * @return the matching exchanges
	 */
	public List<Exchange> exchanges(String method) {
		List<Exchange> matching = new ArrayList<>();
		for (Exchange exchange : this.exchanges) {
			if (exchange.method().equals(method)) {
				matching.add(exchange);
			}
		}
		return matching;
	}

	/**
	 * End every event stream that is open now, cleanly, as Cloud Run does at a request
	 * timeout.
	 * @return how many were ended
	 */
	public int dropStreams() {
		int dropped = 0;
		for (Map.Entry<InputStream, HttpExchange> stream : this.openStreams.entrySet()) {
			if (this.openStreams.remove(stream.getKey()) == null) {
				continue;
			}
			// The last chunk goes out: the client sees the stream end cleanly.
			stream.getValue().close();
			try {
				stream.getKey().close();
			}
			catch (IOException ex) {
				// Already closed.
			}
			dropped++;
		}
		return dropped;
	}

	/**
	 * Return how many event streams are open now.
	 * @return the count
	 */
	public int openStreams() {
		return this.openStreams.size();
	}

	/**
	 * Answer the next request of a method with a status instead of forwarding it.
	 * @param method the HTTP method
	 * @param status the status
	 */
	public void failNext(String method, int status) {
		this.faults.add(new Fault(method, status));
	}

	@Override
	protected HttpHandler handler() {
		return this::handle;
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String method = exchange.getRequestMethod();
			String authorization = exchange.getRequestHeaders().getFirst("Authorization");
			TestTokenIssuer.Verification verification = verify(authorization);
			byte[] body;
			try (InputStream in = exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			Exchange recorded = new Exchange(method, exchange.getRequestURI().toString(),
					exchange.getRequestHeaders().getFirst("Mcp-Session-Id"),
					exchange.getRequestHeaders().getFirst("MCP-Protocol-Version"),
					exchange.getRequestHeaders().getFirst("Last-Event-ID"), authorization != null,
					verification == null || verification.valid(), (verification != null) ? verification.reason() : "",
					new String(body, java.nio.charset.StandardCharsets.UTF_8), headers(exchange));
			this.exchanges.add(recorded);
			if (verification != null && !verification.valid()) {
				exchange.sendResponseHeaders(401, -1);
				return;
			}
			Fault fault = takeFault(method);
			if (fault != null) {
				exchange.sendResponseHeaders(fault.status(), -1);
				return;
			}
			forward(exchange, method, body);
		}
	}

	private static Map<String, String> headers(HttpExchange exchange) {
		Map<String, String> headers = new TreeMap<>();
		exchange.getRequestHeaders()
			.forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
		return Collections.unmodifiableMap(headers);
	}

	private TestTokenIssuer.@Nullable Verification verify(@Nullable String authorization) {
		TestTokenIssuer tokens = this.issuer;
		if (tokens == null) {
			return null;
		}
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			return new TestTokenIssuer.Verification(false, "no bearer token", "");
		}
		return tokens.verify(authorization.substring("Bearer ".length()), this.audience);
	}

	private @Nullable Fault takeFault(String method) {
		for (Fault fault : this.faults) {
			if (fault.method().equals(method) && this.faults.remove(fault)) {
				return fault;
			}
		}
		return null;
	}

	private void forward(HttpExchange exchange, String method, byte[] body) throws IOException {
		HttpRequest.Builder request = HttpRequest.newBuilder(this.upstream.resolve(exchange.getRequestURI()))
			.method(method, (body.length > 0) ? HttpRequest.BodyPublishers.ofByteArray(body)
					: HttpRequest.BodyPublishers.noBody());
		exchange.getRequestHeaders().forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
				values.forEach((value) -> request.header(name, value));
			}
		});
		HttpResponse<InputStream> response;
		try {
			response = this.client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			exchange.sendResponseHeaders(502, -1);
			return;
		}
		response.headers().map().forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
				exchange.getResponseHeaders().put(name, values);
			}
		});
		boolean events = response.headers()
			.firstValue("Content-Type")
			.map((type) -> type.startsWith("text/event-stream"))
			.orElse(false);
		long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
		try (InputStream in = response.body()) {
			if (length == 0 || response.statusCode() == 204 || response.statusCode() == 304) {
				exchange.sendResponseHeaders(response.statusCode(), -1);
				return;
			}
			exchange.sendResponseHeaders(response.statusCode(), 0);
			if (events) {
				this.openStreams.put(in, exchange);
			}
			OutputStream out = exchange.getResponseBody();
			byte[] buffer = new byte[8192];
			int read;
			try {
				while ((read = in.read(buffer)) != -1) {
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// Dropped by dropStreams(), or the upstream went away: end the response.
			}
			finally {
				this.openStreams.remove(in);
			}
		}
	}

	/**
	 * A request that reached the proxy.
	 *
	 * @param method the HTTP method
	 * @param uri the request URI
	 * @param sessionId the {@code Mcp-Session-Id} header, or {@code null}
	 * @param protocolVersion the {@code MCP-Protocol-Version} header, or {@code null}
	 * @param lastEventId the {@code Last-Event-ID} header, or {@code null}
	 * @param hadToken whether it carried an {@code Authorization} header
	 * @param tokenValid whether its token was valid for the audience (true when the proxy
	 * verifies nothing)
	 * @param tokenProblem why the token was not valid, or empty
	 * @param body the request body
	 * @param headers the request headers, names in lower case, several values of one name
	 * joined with a comma
	 */
	public record Exchange(String method, String uri, @Nullable String sessionId, @Nullable String protocolVersion,
			@Nullable String lastEventId, boolean hadToken, boolean tokenValid, String tokenProblem, String body,
			Map<String, String> headers) {

		/**
		 * Return a request header.
		 * @param name the header's name, in any case
		 * @return its value, or {@code null} if the request did not carry it
		 */
		public @Nullable String header(String name) {
			return this.headers.get(name.toLowerCase(Locale.ROOT));
		}

		@Override
		public String toString() {
			return this.method + " " + this.uri + " session=" + this.sessionId + " version=" + this.protocolVersion
					+ " last-event-id=" + this.lastEventId + " token=" + (this.tokenValid ? "valid" : this.tokenProblem)
					+ " body=" + ((this.body.length() > 80) ? this.body.substring(0, 80) + "..." : this.body);
		}

	}

	private record Fault(String method, int status) {
	}

}
