package io.github.cloudrunmcp.auth;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * Where an ID token may go: requests to {@code origin} get a token for {@code audience}
 * from {@code provider}, in the {@code header} header.
 *
 * @param origin the only origin (scheme, host, port) the token is sent to
 * @param audience the token's audience
 * @param provider where tokens come from
 * @param header the request header that carries the token
 * @param optional whether a request goes on without a token when there are no Google
 * credentials at all (the {@code auto} mode), rather than failing
 */
public record TokenRoute(URI origin, String audience, IdTokenProvider provider, TokenHeader header, boolean optional) {

	/**
	 * Create a route.
	 * @param origin the only origin (scheme, host, port) the token is sent to
	 * @param audience the token's audience
	 * @param provider where tokens come from
	 * @param header the request header that carries the token
	 * @param optional whether to go on without a token when there are no credentials
	 */
	public TokenRoute {
		Objects.requireNonNull(origin, "origin");
		Objects.requireNonNull(audience, "audience");
		Objects.requireNonNull(provider, "provider");
		Objects.requireNonNull(header, "header");
	}

	/**
	 * Return the key that identifies an origin: lower-case scheme and host, and the port
	 * made explicit.
	 * @param uri any absolute URI
	 * @return the origin key, such as {@code https://example.com:443}
	 */
	public static String originKey(URI uri) {
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		String host = (uri.getHost() != null) ? uri.getHost().toLowerCase(Locale.ROOT) : "";
		int port = uri.getPort();
		if (port == -1) {
			port = "https".equals(scheme) ? 443 : ("http".equals(scheme) ? 80 : -1);
		}
		return scheme + "://" + host + ":" + port;
	}

	/**
	 * Header that carries the token.
	 */
	public enum TokenHeader {

		/** {@code Authorization: Bearer <token>}. */
		AUTHORIZATION("Authorization"),

		/**
		 * {@code X-Serverless-Authorization: Bearer <token>}: Cloud Run checks the token
		 * there and leaves {@code Authorization} to the application.
		 */
		X_SERVERLESS_AUTHORIZATION("X-Serverless-Authorization");

		private final String headerName;

		TokenHeader(String headerName) {
			this.headerName = headerName;
		}

		/**
		 * Return the HTTP header name.
		 * @return the header name
		 */
		public String headerName() {
			return this.headerName;
		}

	}

}
