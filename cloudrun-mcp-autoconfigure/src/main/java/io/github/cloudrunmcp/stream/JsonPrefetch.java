package io.github.cloudrunmcp.stream;

/**
 * Tells a source whether to parse each event's JSON tree on the network thread, before
 * the hand-off to the dispatch thread: only while consumers ask for the trees. Then the
 * network thread, which otherwise waits for the socket much of the time, takes the
 * largest single cost per event off the dispatch thread; consumers that never ask cost
 * nothing.
 *
 * <p>
 * Consumers mark every {@link McpEvent#json()} call; the network thread clears the mark
 * once every {@value #WINDOW} events and keeps parsing while it comes back. A stale read
 * either way costs a parse on the other thread, never a different result.
 */
final class JsonPrefetch {

	static final int WINDOW = 256;

	private volatile boolean asked;

	private int sinceCleared;

	/**
	 * Note that a consumer asked for an event's tree; any thread.
	 */
	void asked() {
		// Read before writing, so that a consumer that asks on every event writes the
		// shared field once a window, not once an event.
		if (!this.asked) {
			this.asked = true;
		}
	}

	/**
	 * Return whether to parse the next event's tree now; called by the network thread,
	 * once per event.
	 * @return whether consumers asked for trees lately
	 */
	boolean wanted() {
		boolean wanted = this.asked;
		if (++this.sinceCleared >= WINDOW) {
			this.sinceCleared = 0;
			if (wanted) {
				this.asked = false;
			}
		}
		return wanted;
	}

}
