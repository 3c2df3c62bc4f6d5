package io.github.cloudrunmcp.benchmarks;

import java.util.BitSet;

/**
 * Records the sequence numbers a listener receives, counting what the fault harnesses
 * report: deliveries, duplicates, numbers that came out of order, when the first number
 * above a mark arrived (the stream's recovery after a fault), and the resync events of a
 * stream without resumption (with when the first one after the mark came).
 */
final class SequenceRecorder {

	private final BitSet seen = new BitSet();

	private long delivered;

	private long duplicates;

	private long outOfOrder;

	private long highest;

	private long mark = Long.MAX_VALUE;

	private long passedMarkAt;

	private long resyncs;

	private long resyncedAt;

	/**
	 * Record a delivery.
	 * @param seq the event's sequence number, from 1
	 */
	synchronized void record(long seq) {
		this.delivered++;
		if (this.seen.get((int) seq)) {
			this.duplicates++;
		}
		else {
			this.seen.set((int) seq);
		}
		if (seq < this.highest) {
			this.outOfOrder++;
		}
		this.highest = Math.max(this.highest, seq);
		if (seq > this.mark && this.passedMarkAt == 0) {
			this.passedMarkAt = System.nanoTime();
		}
	}

	/**
	 * Watch for the first delivery of a number above this one.
	 * @param seq the mark
	 */
	synchronized void mark(long seq) {
		this.mark = seq;
		this.passedMarkAt = 0;
		this.resyncedAt = 0;
	}

	/**
	 * Record a resync event: the stream reopened and says what it may have missed.
	 */
	synchronized void resync() {
		this.resyncs++;
		if (this.resyncedAt == 0) {
			this.resyncedAt = System.nanoTime();
		}
	}

	synchronized long resyncs() {
		return this.resyncs;
	}

	/**
	 * Return when the first resync event after the mark came.
	 * @return {@link System#nanoTime()} of that event, 0 while none did
	 */
	synchronized long resyncedAt() {
		return this.resyncedAt;
	}

	synchronized long highest() {
		return this.highest;
	}

	/**
	 * Return when a number above the mark was first delivered.
	 * @return {@link System#nanoTime()} of that delivery, 0 while none was
	 */
	synchronized long passedMarkAt() {
		return this.passedMarkAt;
	}

	synchronized long delivered() {
		return this.delivered;
	}

	/**
	 * Return how many numbers from 1 to {@code published} were delivered at least once.
	 * @param published the last number published
	 * @return the count
	 */
	synchronized long distinct(long published) {
		return this.seen.get(1, (int) published + 1).cardinality();
	}

	synchronized long duplicates() {
		return this.duplicates;
	}

	synchronized long outOfOrder() {
		return this.outOfOrder;
	}

}
