package io.github.cloudrunmcp.fleet;

import org.jspecify.annotations.Nullable;

/**
 * Where the parts of {@code once} delivery report that reaching Pub/Sub or Firestore
 * failed, and that it works again: the server's health shows it.
 */
@FunctionalInterface
interface FleetFailures {

	/**
	 * Report the outcome of an activity's last attempt.
	 * @param activity what was attempted: {@code lease}, {@code publishing} or
	 * {@code claims}
	 * @param failure why it failed, or {@code null} when it succeeded
	 */
	void report(String activity, @Nullable Throwable failure);

	/**
	 * Failures reported nowhere.
	 */
	FleetFailures NONE = (activity, failure) -> {
	};

}
