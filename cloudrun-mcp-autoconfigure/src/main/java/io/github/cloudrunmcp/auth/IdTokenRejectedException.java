package io.github.cloudrunmcp.auth;

/**
 * Thrown when a server answers {@code 401} to a request that carried a freshly fetched ID
 * token, after one forced refresh and retry.
 */
public class IdTokenRejectedException extends RuntimeException {

	private final String audience;

	private final String url;

	/**
	 * Create an exception.
	 * @param audience the audience of the rejected token
	 * @param url the URL of the request
	 */
	public IdTokenRejectedException(String audience, String url) {
		super("The server at " + url + " rejected the ID token for audience '" + audience
				+ "' with 401 twice, once after a fresh token. Check that the calling service account has "
				+ "roles/run.invoker on the server and that the audience matches the server's URL or one of its "
				+ "custom audiences (cloudrun.mcp.audience).");
		this.audience = audience;
		this.url = url;
	}

	/**
	 * Return the audience of the rejected token.
	 * @return the audience
	 */
	public String getAudience() {
		return this.audience;
	}

	/**
	 * Return the URL of the rejected request.
	 * @return the URL
	 */
	public String getUrl() {
		return this.url;
	}

}
