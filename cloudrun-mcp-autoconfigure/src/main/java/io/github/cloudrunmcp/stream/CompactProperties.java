package io.github.cloudrunmcp.stream;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The properties of an {@code ObjectNode} that {@link PlainJsonTreeReader} builds: the
 * map Jackson's own nodes keep (insertion order, any operation of a {@code Map}), held in
 * two arrays while an object has at most {@value #MAX_INLINE} properties, as an event's
 * objects mostly do, and in a {@link LinkedHashMap} once it grows beyond that.
 *
 * <p>
 * Why: a {@code LinkedHashMap} allocates a table and an entry per property, which was
 * about a third of the time spent building an event's tree; the arrays cost two small
 * allocations, and looking up one of a few names by scanning them is as fast as hashing.
 * Not thread-safe, like the map it stands in for; iterators fail fast on a change made
 * around them.
 */
final class CompactProperties extends AbstractMap<String, JsonNode> {

	/** Most properties held in the arrays. */
	static final int MAX_INLINE = 8;

	private static final int INITIAL_CAPACITY = 4;

	private @Nullable String[] keys = new String[INITIAL_CAPACITY];

	private @Nullable JsonNode[] values = new JsonNode[INITIAL_CAPACITY];

	private int size;

	/** Every property, once there are more than {@value #MAX_INLINE}. */
	private @Nullable LinkedHashMap<String, JsonNode> spilled;

	/** Structural changes, for the iterators' fail-fast check. */
	private int changes;

	private @Nullable Set<Map.Entry<String, JsonNode>> entries;

	@Override
	public int size() {
		LinkedHashMap<String, JsonNode> map = this.spilled;
		return (map != null) ? map.size() : this.size;
	}

	@Override
	public boolean isEmpty() {
		return size() == 0;
	}

	@Override
	public boolean containsKey(@Nullable Object key) {
		LinkedHashMap<String, JsonNode> map = this.spilled;
		return (map != null) ? map.containsKey(key) : indexOf(key) >= 0;
	}

	@Override
	public @Nullable JsonNode get(@Nullable Object key) {
		LinkedHashMap<String, JsonNode> map = this.spilled;
		if (map != null) {
			return map.get(key);
		}
		int index = indexOf(key);
		return (index >= 0) ? this.values[index] : null;
	}

	@Override
	public @Nullable JsonNode put(String key, JsonNode value) {
		LinkedHashMap<String, JsonNode> map = this.spilled;
		if (map != null) {
			return map.put(key, value);
		}
		int index = indexOf(key);
		if (index >= 0) {
			JsonNode previous = this.values[index];
			this.values[index] = value;
			return previous;
		}
		this.changes++;
		if (this.size == MAX_INLINE) {
			LinkedHashMap<String, JsonNode> grown = new LinkedHashMap<>();
			for (int i = 0; i < this.size; i++) {
				grown.put(this.keys[i], this.values[i]);
			}
			grown.put(key, value);
			this.spilled = grown;
			this.keys = new String[0];
			this.values = new JsonNode[0];
			this.size = 0;
			return null;
		}
		if (this.size == this.keys.length) {
			int capacity = Math.min(MAX_INLINE, this.keys.length * 2);
			this.keys = Arrays.copyOf(this.keys, capacity);
			this.values = Arrays.copyOf(this.values, capacity);
		}
		this.keys[this.size] = key;
		this.values[this.size] = value;
		this.size++;
		return null;
	}

	@Override
	public @Nullable JsonNode remove(@Nullable Object key) {
		LinkedHashMap<String, JsonNode> map = this.spilled;
		if (map != null) {
			return map.remove(key);
		}
		int index = indexOf(key);
		if (index < 0) {
			return null;
		}
		JsonNode previous = this.values[index];
		removeAt(index);
		return previous;
	}

	@Override
	public void clear() {
		LinkedHashMap<String, JsonNode> map = this.spilled;
		if (map != null) {
			map.clear();
			return;
		}
		this.changes++;
		Arrays.fill(this.keys, 0, this.size, null);
		Arrays.fill(this.values, 0, this.size, null);
		this.size = 0;
	}

	@Override
	public Set<Map.Entry<String, JsonNode>> entrySet() {
		Set<Map.Entry<String, JsonNode>> view = this.entries;
		if (view == null) {
			view = new Entries();
			this.entries = view;
		}
		return view;
	}

	private int indexOf(@Nullable Object key) {
		for (int i = 0; i < this.size; i++) {
			if (Objects.equals(key, this.keys[i])) {
				return i;
			}
		}
		return -1;
	}

	private void removeAt(int index) {
		this.changes++;
		int after = this.size - index - 1;
		System.arraycopy(this.keys, index + 1, this.keys, index, after);
		System.arraycopy(this.values, index + 1, this.values, index, after);
		this.size--;
		this.keys[this.size] = null;
		this.values[this.size] = null;
	}

	/**
	 * The entries, in insertion order: the arrays' while they hold the properties, the
	 * spilled map's after.
	 */
	private final class Entries extends AbstractSet<Map.Entry<String, JsonNode>> {

		@Override
		public int size() {
			return CompactProperties.this.size();
		}

		@Override
		public void clear() {
			CompactProperties.this.clear();
		}

		@Override
		public Iterator<Map.Entry<String, JsonNode>> iterator() {
			LinkedHashMap<String, JsonNode> map = CompactProperties.this.spilled;
			return (map != null) ? map.entrySet().iterator() : new InlineIterator();
		}

	}

	/**
	 * Iterates the arrays; fails fast when the map changed other than through it.
	 */
	private final class InlineIterator implements Iterator<Map.Entry<String, JsonNode>> {

		private int next;

		private int last = -1;

		private int expectedChanges = CompactProperties.this.changes;

		@Override
		public boolean hasNext() {
			return this.next < CompactProperties.this.size;
		}

		@Override
		public Map.Entry<String, JsonNode> next() {
			checkChanges();
			if (this.next >= CompactProperties.this.size) {
				throw new NoSuchElementException();
			}
			this.last = this.next++;
			return new Property(CompactProperties.this.keys[this.last], CompactProperties.this.values[this.last]);
		}

		@Override
		public void remove() {
			if (this.last < 0) {
				throw new IllegalStateException("next() was not called, or remove() was already called after it");
			}
			checkChanges();
			removeAt(this.last);
			this.next = this.last;
			this.last = -1;
			this.expectedChanges = CompactProperties.this.changes;
		}

		private void checkChanges() {
			if (CompactProperties.this.changes != this.expectedChanges || CompactProperties.this.spilled != null) {
				throw new ConcurrentModificationException();
			}
		}

	}

	/**
	 * An entry whose {@link #setValue} writes through to the map, as a
	 * {@code LinkedHashMap}'s does.
	 */
	private final class Property extends AbstractMap.SimpleEntry<String, JsonNode> {

		private static final long serialVersionUID = 1L;

		Property(@Nullable String key, @Nullable JsonNode value) {
			super(key, value);
		}

		@Override
		public JsonNode setValue(JsonNode value) {
			if (containsKey(getKey())) {
				put(getKey(), value);
			}
			return super.setValue(value);
		}

	}

}
