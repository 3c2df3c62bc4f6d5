package io.github.cloudrunmcp.server;

/**
 * Which instances of the application handle a server's events.
 */
public enum McpDelivery {

	/**
	 * Every instance holds its own stream to the server and every instance's listeners
	 * handle every event: right for work each instance must do, such as dropping a cache
	 * when the server's tools change.
	 */
	EVERY_INSTANCE,

	/**
	 * One instance of the fleet holds the server's stream and publishes its events to
	 * Google Cloud Pub/Sub; every instance consumes them from one shared subscription, so
	 * that each event is handled by one instance. Needs google-cloud-pubsub and
	 * google-cloud-firestore on the classpath and {@code cloudrun.mcp.fleet.*}.
	 */
	ONCE

}
