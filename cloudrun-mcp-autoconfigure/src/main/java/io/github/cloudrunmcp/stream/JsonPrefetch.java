package io.github.cloudrunmcp.stream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells a source whether to parse an event's JSON tree on the network thread, before the
 * hand-off to the dispatch thread: only while consumers ask for the trees, and only while
 * they are behind. Then the network thread takes the largest single cost per event off a
 * dispatch thread that has more to do than it; while the consumers keep up (they would
 * soon wait for the network), their thread parses the trees, so that the two threads
 * share the work. Consumers that never ask cost nothing.
 *
 * <p>
 * The source numbers the events it makes ({@link #made()}) and notes the last one it
 * handed over; consumers note every {@link McpEvent#json()} call with the event's number.
 * The network thread clears the mark of a call once every {@value #WINDOW} events and
 * keeps parsing while it comes back and more than {@value #LEAD} handed-over events wait
 * for the consumers. A stale read either way costs a parse on the other thread, never a
 * different result.
 *
 * <p>
 * Threads: {@link #wanted()} is called by the thread that parses the network reads, one
 * at a time, and its counter ({@code sinceCleared}) is confined to it; successive
 * connections may be read by different event-loop threads, but one connection ends before
 * the next opens (a reconnect's timer and a new subscription order the two).
 * {@link #made()} and {@link #handedOver(long)} are called by the thread that emits the
 * source's events: the network thread when the stream takes a read's events at once, but
 * with one event at a time also the thread that requests more (a dispatch thread), one
 * thread at a time as Reactor's operators order them; so {@code made} is a plain field,
 * and {@code handedOver}, which {@link #wanted()} reads while another thread may write
 * it, is volatile. {@link #asked(long)} is called by any consumer thread and touches only
 * the volatile flag and the atomic number.
 */
final class JsonPrefetch {

	static final int WINDOW = 256;

	static final int LEAD = 32;

	private volatile boolean asked;

	private int sinceCleared;

	/** Events made; by the emitting thread. */
	private long made;

	/** The last event handed over to the consumers; written by the emitting thread. */
	private volatile long handedOver;

	/** The last event whose tree a consumer asked for. */
	private final AtomicLong consumed = new AtomicLong();

	/**
	 * Number the next event the source makes; called by the thread that emits it.
	 * @return its number, from 1
	 */
	long made() {
		return ++this.made;
	}

	/**
	 * Note that the events up to the given one were handed over to the consumers; called
	 * by the thread that emits them.
	 * @param event the number of the last event handed over
	 */
	void handedOver(long event) {
		this.handedOver = event;
	}

	/**
	 * Note that a consumer asked for an event's tree; any thread.
	 * @param event the event's number, or 0 when the event has none
	 */
	void asked(long event) {
		// Read before writing, so that a consumer that asks on every event writes the
		// shared flag once a window, not once an event.
		if (!this.asked) {
			this.asked = true;
		}
		if (event > this.consumed.get()) {
			// An ordered store: on the consumer's thread, no fence per event.
			this.consumed.lazySet(event);
		}
	}

	/**
	 * Return whether to parse the next event's tree now; called by the network thread,
	 * once per event.
	 * @return whether consumers asked for trees lately and are behind
	 */
	boolean wanted() {
		boolean wanted = this.asked;
		if (++this.sinceCleared >= WINDOW) {
			this.sinceCleared = 0;
			if (wanted) {
				this.asked = false;
			}
		}
		return wanted && this.handedOver - this.consumed.get() > LEAD;
	}

}
