package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.oauth2.ComputeEngineCredentials;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.jspecify.annotations.Nullable;

/**
 * A loopback stand-in for the Google metadata server's identity endpoint
 * ({@code /computeMetadata/v1/instance/service-accounts/default/identity?audience=...}).
 * It requires the {@code Metadata-Flavor: Google} header, mints RS256 ID tokens with a
 * {@link TestTokenIssuer}, counts the calls per audience, and can be told to fail, to
 * answer slowly or to go down.
 *
 * <p>
 * Point google-auth at it with {@link #credentials()} (the library's own transport hook),
 * or by setting the {@code GCE_METADATA_HOST} environment variable to
 * {@link #hostAndPort()}.
 */
public final class FakeMetadataServer extends LoopbackHttpServer {

	/** Path of the identity endpoint. */
	public static final String IDENTITY_PATH = "/computeMetadata/v1/instance/service-accounts/default/identity";

	private final TestTokenIssuer issuer;

	private final Map<String, AtomicInteger> callsPerAudience = new ConcurrentHashMap<>();

	private final AtomicInteger calls = new AtomicInteger();

	private volatile Duration tokenLifetime = Duration.ofHours(1);

	private volatile Duration delay = Duration.ZERO;

	private volatile Failure failure = Failure.NONE;

	/**
	 * Create a server that signs with the given issuer; call {@link #start()} to serve.
	 * @param issuer the token issuer
	 */
	public FakeMetadataServer(TestTokenIssuer issuer) {
		this.issuer = issuer;
	}

	/**
	 * Create a server with a fresh {@link TestTokenIssuer}; call {@link #start()} to
	 * serve.
	 */
	public FakeMetadataServer() {
		this(new TestTokenIssuer());
	}

	/**
	 * Create and start a server.
	 * @return the started server
	 */
	public static FakeMetadataServer started() {
		FakeMetadataServer server = new FakeMetadataServer();
		server.start();
		return server;
	}

	/**
	 * Return the issuer that signs this server's tokens, to verify them.
	 * @return the issuer
	 */
	public TestTokenIssuer issuer() {
		return this.issuer;
	}

	/**
	 * Return {@code 127.0.0.1:port}, the form {@code GCE_METADATA_HOST} takes.
	 * @return host and port
	 */
	public String hostAndPort() {
		return "127.0.0.1:" + port();
	}

	/**
	 * Set the lifetime of the tokens minted from now on (one hour by default).
	 * @param lifetime the lifetime
	 * @return this server
	 */
	public FakeMetadataServer tokenLifetime(Duration lifetime) {
		this.tokenLifetime = lifetime;
		return this;
	}

	/**
	 * Delay every identity answer.
	 * @param delay the delay
	 * @return this server
	 */
	public FakeMetadataServer delay(Duration delay) {
		this.delay = delay;
		return this;
	}

	/**
	 * Answer every identity request with the given failure until {@link Failure#NONE} is
	 * set.
	 * @param failure the failure
	 * @return this server
	 */
	public FakeMetadataServer fail(Failure failure) {
		this.failure = failure;
		return this;
	}

	/**
	 * Return the number of identity requests served (including failed ones).
	 * @return the count
	 */
	public int identityCalls() {
		return this.calls.get();
	}

	/**
	 * Return the number of identity requests for one audience.
	 * @param audience the audience
	 * @return the count
	 */
	public int identityCalls(String audience) {
		AtomicInteger count = this.callsPerAudience.get(audience);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Reset the call counters.
	 */
	public void resetCounts() {
		this.calls.set(0);
		this.callsPerAudience.clear();
	}

	/**
	 * Return Compute Engine credentials whose metadata requests reach this server,
	 * through google-auth's own {@code HttpTransportFactory} hook: no environment
	 * variable needed.
	 * @return the credentials
	 */
	public ComputeEngineCredentials credentials() {
		NetHttpTransport transport = new NetHttpTransport.Builder().setConnectionFactory(this::openRedirected).build();
		return ComputeEngineCredentials.newBuilder().setHttpTransportFactory(() -> transport).build();
	}

	private HttpURLConnection openRedirected(URL url) throws IOException {
		URI redirected = URI.create("http://127.0.0.1:" + port() + url.getFile());
		return (HttpURLConnection) redirected.toURL().openConnection();
	}

	@Override
	protected HttpHandler handler() {
		return this::handle;
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			exchange.getResponseHeaders().set("Metadata-Flavor", "Google");
			if (!"Google".equals(exchange.getRequestHeaders().getFirst("Metadata-Flavor"))) {
				send(exchange, 403, "Missing Metadata-Flavor:Google header.");
				return;
			}
			String path = exchange.getRequestURI().getPath();
			if ("/".equals(path) || "/computeMetadata/v1/".equals(path)) {
				send(exchange, 200, "computeMetadata/\n");
				return;
			}
			if (!IDENTITY_PATH.equals(path)) {
				send(exchange, 404, "Not found");
				return;
			}
			String audience = queryParameter(exchange.getRequestURI().getRawQuery(), "audience");
			this.calls.incrementAndGet();
			if (audience == null || audience.isEmpty()) {
				send(exchange, 400, "non-empty audience parameter required");
				return;
			}
			this.callsPerAudience.computeIfAbsent(audience, (key) -> new AtomicInteger()).incrementAndGet();
			Duration wait = this.delay;
			if (!wait.isZero()) {
				Thread.sleep(wait.toMillis());
			}
			switch (this.failure) {
				case NONE -> send(exchange, 200, this.issuer.mint(audience, this.tokenLifetime));
				case SERVER_ERROR -> send(exchange, 503, "metadata server unavailable");
				case NOT_FOUND -> send(exchange, 404, "service account not found");
				case MALFORMED -> send(exchange, 200, "this-is-not-a-jwt");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static @Nullable String queryParameter(@Nullable String rawQuery, String name) {
		if (rawQuery == null) {
			return null;
		}
		for (String pair : rawQuery.split("&")) {
			int equals = pair.indexOf('=');
			String key = (equals >= 0) ? pair.substring(0, equals) : pair;
			if (key.equals(name)) {
				return URLDecoder.decode((equals >= 0) ? pair.substring(equals + 1) : "", StandardCharsets.UTF_8);
			}
		}
		return null;
	}

	static void send(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, (bytes.length > 0) ? bytes.length : -1);
		if (bytes.length > 0) {
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(bytes);
			}
		}
	}

	/**
	 * How the identity endpoint fails.
	 */
	public enum Failure {

		/** Answer normally. */
		NONE,

		/** Answer 503. */
		SERVER_ERROR,

		/** Answer 404, as when the instance has no service account. */
		NOT_FOUND,

		/** Answer 200 with a body that is not a JWT. */
		MALFORMED

	}

}
