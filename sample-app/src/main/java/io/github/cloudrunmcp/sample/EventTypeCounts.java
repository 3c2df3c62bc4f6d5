package io.github.cloudrunmcp.sample;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event counts by type for the page. Types are the server's text, so only the first
 * {@value #MAX_TYPES} get a counter of their own and the rest share one: a server that
 * invents a type per event cannot grow the map without limit.
 */
class EventTypeCounts {

	/** The most types counted one by one. */
	static final int MAX_TYPES = 64;

	/** The counter of the types beyond {@link #MAX_TYPES}. */
	static final String OTHER_TYPES = "(other types)";

	private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

	void count(String type) {
		AtomicLong count = this.counts.get(type);
		if (count == null) {
			// Racing callers may let a few types past the limit; the map stays bounded
			// all the same.
			String key = (this.counts.size() < MAX_TYPES) ? type : OTHER_TYPES;
			count = this.counts.computeIfAbsent(key, (k) -> new AtomicLong());
		}
		count.incrementAndGet();
	}

	Map<String, Long> snapshot() {
		Map<String, Long> byType = new TreeMap<>();
		this.counts.forEach((type, count) -> byType.put(type, count.get()));
		return byType;
	}

}
