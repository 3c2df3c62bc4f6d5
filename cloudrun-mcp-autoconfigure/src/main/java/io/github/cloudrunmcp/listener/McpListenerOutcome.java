package io.github.cloudrunmcp.listener;

/**
 * Tells whether the listeners that one delivery of an event ran on the calling thread all
 * returned normally. {@link McpListenerMethodAdapter} logs what a listener throws rather
 * than propagating it, so that one failing listener does not stop the stream; a caller
 * that must acknowledge or retry the event (the fleet delivery) asks here instead.
 */
public final class McpListenerOutcome {

	private static final ThreadLocal<boolean[]> failed = new ThreadLocal<>();

	private McpListenerOutcome() {
	}

	/**
	 * Run a delivery and return whether every listener it ran on this thread succeeded.
	 * Listeners run on another thread (an asynchronous multicaster, {@code @Async}) are
	 * not seen.
	 * @param delivery the delivery, such as publishing the event to the context
	 * @return {@code false} if a listener threw
	 * @throws RuntimeException what the delivery itself throws
	 */
	public static boolean succeeded(Runnable delivery) {
		boolean[] previous = failed.get();
		boolean[] current = new boolean[1];
		failed.set(current);
		try {
			delivery.run();
			return !current[0];
		}
		finally {
			if (previous != null) {
				failed.set(previous);
			}
			else {
				failed.remove();
			}
		}
	}

	/**
	 * Record that a listener on this thread failed.
	 */
	static void listenerFailed() {
		boolean[] current = failed.get();
		if (current != null) {
			current[0] = true;
		}
	}

}
