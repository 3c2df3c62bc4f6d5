package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.jspecify.annotations.Nullable;

/**
 * A loopback stand-in for a private Cloud Run service: it accepts a request only when it
 * carries a valid ID token (signature, issuer, audience and expiry checked against a
 * {@link TestTokenIssuer}) in {@code Authorization} or
 * {@code X-Serverless-Authorization}, and answers {@code 401} otherwise. Every request is
 * recorded.
 */
public final class FakeProtectedServer extends LoopbackHttpServer {

	private final TestTokenIssuer issuer;

	private final @Nullable String audience;

	private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

	private final Map<String, Route> routes = new ConcurrentHashMap<>();

	private final AtomicInteger rejectNext = new AtomicInteger();

	private volatile boolean authRequired = true;

	/**
	 * Create a server that accepts tokens from the issuer for the given audience; call
	 * {@link #start()} to serve.
	 * @param issuer the issuer whose signature is trusted
	 * @param audience the audience tokens must carry, or {@code null} for this server's
	 * origin
	 */
	public FakeProtectedServer(TestTokenIssuer issuer, @Nullable String audience) {
		this.issuer = issuer;
		this.audience = audience;
	}

	/**
	 * Create and start a server that expects its own origin as the audience.
	 * @param issuer the issuer whose signature is trusted
	 * @return the started server
	 */
	public static FakeProtectedServer started(TestTokenIssuer issuer) {
		FakeProtectedServer server = new FakeProtectedServer(issuer, null);
		server.start();
		return server;
	}

	/**
	 * Return the audience tokens must carry.
	 * @return the audience
	 */
	public String audience() {
		return (this.audience != null) ? this.audience : origin();
	}

	/**
	 * Set whether requests need a valid token (the default).
	 * @param required whether a token is required
	 * @return this server
	 */
	public FakeProtectedServer authRequired(boolean required) {
		this.authRequired = required;
		return this;
	}

	/**
	 * Answer the next {@code count} requests with 401 even when their token is valid, as
	 * a server does when it revokes a token.
	 * @param count how many requests to reject
	 * @return this server
	 */
	public FakeProtectedServer rejectNext(int count) {
		this.rejectNext.set(count);
		return this;
	}

	/**
	 * Answer authorized requests for a path with a fixed response.
	 * @param path the request path
	 * @param status the status
	 * @param body the body
	 * @param headers extra response headers (name, value pairs)
	 * @return this server
	 */
	public FakeProtectedServer route(String path, int status, String body, String... headers) {
		this.routes.put(path, new Route(status, body, List.of(headers)));
		return this;
	}

	/**
	 * Return every request received so far.
	 * @return the requests, oldest first
	 */
	public List<RecordedRequest> requests() {
		return List.copyOf(this.requests);
	}

	/**
	 * Forget the recorded requests.
	 */
	public void clear() {
		this.requests.clear();
	}

	@Override
	protected HttpHandler handler() {
		return this::handle;
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			try (InputStream body = exchange.getRequestBody()) {
				body.readAllBytes();
			}
			String authorization = exchange.getRequestHeaders().getFirst("Authorization");
			String serverless = exchange.getRequestHeaders().getFirst("X-Serverless-Authorization");
			String bearer = bearer((serverless != null) ? serverless : authorization);
			TestTokenIssuer.Verification verification = (bearer != null) ? this.issuer.verify(bearer, audience())
					: new TestTokenIssuer.Verification(false, "no token", "");
			this.requests.add(new RecordedRequest(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
					authorization, serverless, verification));
			if (this.authRequired && !verification.valid()) {
				exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
				FakeMetadataServer.send(exchange, 401, "Unauthorized: " + verification.reason());
				return;
			}
			if (this.rejectNext.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
				FakeMetadataServer.send(exchange, 401, "Unauthorized: token revoked");
				return;
			}
			Route route = this.routes.get(exchange.getRequestURI().getPath());
			if (route == null) {
				exchange.getResponseHeaders().set("Content-Type", "application/json");
				FakeMetadataServer.send(exchange, 200, "{\"email\":\"" + verification.email() + "\"}");
				return;
			}
			for (int i = 0; i + 1 < route.headers().size(); i += 2) {
				exchange.getResponseHeaders().add(route.headers().get(i), route.headers().get(i + 1));
			}
			FakeMetadataServer.send(exchange, route.status(), route.body());
		}
	}

	private static @Nullable String bearer(@Nullable String header) {
		if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return null;
		}
		return header.substring(7).trim();
	}

	private record Route(int status, String body, List<String> headers) {
	}

	/**
	 * A request the server received.
	 *
	 * @param method the HTTP method
	 * @param uri the request URI
	 * @param authorization the {@code Authorization} header, if any
	 * @param serverlessAuthorization the {@code X-Serverless-Authorization} header, if
	 * any
	 * @param verification the outcome of verifying the bearer token
	 */
	public record RecordedRequest(String method, String uri, @Nullable String authorization,
			@Nullable String serverlessAuthorization, TestTokenIssuer.Verification verification) {

		/**
		 * Return whether the request carried any bearer credential.
		 * @return whether a token was present
		 */
		public boolean hadToken() {
			return this.authorization != null || this.serverlessAuthorization != null;
		}

		@Override
		public String toString() {
			return this.method + " " + this.uri + " token=" + (hadToken() ? "present" : "absent") + " "
					+ this.verification.reason();
		}

	}

}
