package io.github.cloudrunmcp.fleet;

/**
 * Thrown when Firestore, which holds the fleet's leases and event claims, cannot be
 * reached or refuses a request. The fleet retries; the message says what to check.
 */
public class FleetStoreException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message what failed and what to check
	 * @param cause the client's exception
	 */
	public FleetStoreException(String message, Throwable cause) {
		super(message, cause);
	}

}
