package io.github.cloudrunmcp.server;

/**
 * Whether requests to a server carry a Google ID token.
 */
public enum AuthMode {

	/**
	 * ID tokens when Google credentials are available and the server is not on a loopback
	 * address; without credentials, requests go without a token.
	 */
	AUTO,

	/** Always send an ID token; fail at start-up without usable credentials. */
	GOOGLE,

	/** Never send a token. */
	NONE

}
