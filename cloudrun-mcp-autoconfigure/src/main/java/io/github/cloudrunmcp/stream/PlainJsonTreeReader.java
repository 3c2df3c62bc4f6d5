package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the plain JSON that event streams carry (an object or array of objects, arrays,
 * ASCII strings with the standard escapes, integers of up to 18 digits, {@code true},
 * {@code false}, {@code null}) straight into the tree that the mapper's {@code readTree}
 * would build, with the mapper's node factory, and declines everything else by returning
 * {@code null}: floats, non-ASCII bytes, duplicate names, nesting deeper than
 * {@value #MAX_DEPTH}, anything invalid. The caller then asks Jackson, so that its
 * results, errors and {@link StreamReadConstraints} still govern all that this reader
 * does not take.
 *
 * <p>
 * Why: for the small documents of an event, Jackson's fixed cost per call (a
 * deserialization context, a parser and its buffers, a symbol table) is most of the time
 * spent building the tree. This reader makes one pass over the bytes, allocates only the
 * nodes and their strings, and never does more work or holds more memory than the input
 * size allows: its recursion is bounded by {@value #MAX_DEPTH}, a declined document costs
 * at most one more linear pass (Jackson's).
 *
 * <p>
 * Only mappers whose tree reading this reproduces get one ({@link #of(ObjectMapper)}): a
 * JSON factory, integers read as {@code int}/{@code long} nodes, {@code null} properties
 * kept, no token-count limit, and a probe document read alike by both. Thread-safe:
 * besides a racy cache of member names, it keeps no state between calls.
 */
final class PlainJsonTreeReader {

	/** Deepest nesting read here; deeper documents go to Jackson. */
	static final int MAX_DEPTH = 32;

	/** Most digits of an integer read here: every such integer fits a {@code long}. */
	private static final int MAX_DIGITS = 18;

	private static final String PROBE = "{\"a\":[0,-7,2147483647,-2147483648,2147483648,-9223372036854775,"
			+ "\"t\\n\\u0041\\\"\",\"\",true,false,null,{},[]],\"b\":{\"c\":{\"d\":[null]}},\"e\":null}";

	private static final String SMALL_PROBE = "{\"a\":[-7,\"t\",true,null,{}]}";

	/** Longest member name kept in the cache of names. */
	private static final int MAX_CACHED_NAME = 32;

	private static volatile @Nullable Cached cached;

	private final @Nullable Name[] names = new Name[64];

	private final JsonNodeFactory nodes;

	/** Whether objects keep their properties in {@link CompactProperties}. */
	private final boolean compact;

	private final int maxDepth;

	private final int maxDigits;

	private final int maxStringLength;

	private final int maxNameLength;

	private final long maxDocumentLength;

	private PlainJsonTreeReader(JsonNodeFactory nodes, StreamReadConstraints constraints) {
		this.nodes = nodes;
		// A factory of the mapper's own may build its objects its own way.
		this.compact = nodes.getClass() == JsonNodeFactory.class;
		this.maxDepth = Math.min(MAX_DEPTH, constraints.getMaxNestingDepth());
		this.maxDigits = Math.min(MAX_DIGITS, constraints.getMaxNumberLength());
		this.maxStringLength = constraints.getMaxStringLength();
		this.maxNameLength = constraints.getMaxNameLength();
		this.maxDocumentLength = constraints.getMaxDocumentLength();
	}

	/**
	 * Return the reader for a mapper, the same instance while the same mapper asks.
	 * @param mapper the mapper whose {@code readTree} to reproduce
	 * @return the reader, or {@code null} when the mapper reads trees in a way this
	 * reader does not reproduce
	 */
	static @Nullable PlainJsonTreeReader of(ObjectMapper mapper) {
		Cached last = cached;
		if (last != null && last.mapper == mapper) {
			return last.reader;
		}
		PlainJsonTreeReader reader = create(mapper);
		cached = new Cached(mapper, reader);
		return reader;
	}

	private static @Nullable PlainJsonTreeReader create(ObjectMapper mapper) {
		if (!(mapper.tokenStreamFactory() instanceof JsonFactory factory)) {
			return null;
		}
		DeserializationConfig config = mapper.deserializationConfig();
		StreamReadConstraints constraints = factory.streamReadConstraints();
		if (config.isEnabled(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
				|| config.isEnabled(DeserializationFeature.USE_LONG_FOR_INTS)
				|| !config.isEnabled(JsonNodeFeature.READ_NULL_PROPERTIES) || constraints.getMaxTokenCount() > 0) {
			return null;
		}
		PlainJsonTreeReader reader = new PlainJsonTreeReader(config.getNodeFactory(), constraints);
		// A module may read trees its own way: use this reader only where it agrees.
		// The small probe is for tight StreamReadConstraints, which reject the full one.
		for (String probe : new String[] { PROBE, SMALL_PROBE }) {
			Boolean agrees = agrees(mapper, reader, probe.getBytes(StandardCharsets.US_ASCII));
			if (agrees != null) {
				return agrees ? reader : null;
			}
		}
		return null;
	}

	/**
	 * Return whether the reader reads a probe as the mapper does, or {@code null} when
	 * the mapper rejects it.
	 */
	private static @Nullable Boolean agrees(ObjectMapper mapper, PlainJsonTreeReader reader, byte[] probe) {
		JsonNode expected;
		try {
			expected = mapper.readTree(probe);
		}
		catch (JacksonException ex) {
			return null;
		}
		JsonNode actual = reader.read(probe);
		return actual != null && sameTree(expected, actual);
	}

	/**
	 * Return whether two trees are equal node for node, classes included.
	 * @param expected one tree
	 * @param actual the other
	 * @return whether they are the same
	 */
	static boolean sameTree(JsonNode expected, JsonNode actual) {
		if (expected.getClass() != actual.getClass() || !expected.equals(actual) || expected.size() != actual.size()) {
			return false;
		}
		if (expected.isObject()) {
			for (var entry : expected.properties()) {
				JsonNode other = actual.get(entry.getKey());
				if (other == null || !sameTree(entry.getValue(), other)) {
					return false;
				}
			}
		}
		else if (expected.isArray()) {
			for (int i = 0; i < expected.size(); i++) {
				if (!sameTree(expected.get(i), actual.get(i))) {
					return false;
				}
			}
		}
		return true;
	}

	/**
	 * Read a document.
	 * @param bytes the document
	 * @return its tree, or {@code null} when this reader leaves it to Jackson
	 */
	@Nullable JsonNode read(byte[] bytes) {
		if (this.maxDocumentLength > 0 && bytes.length > this.maxDocumentLength) {
			return null;
		}
		Cursor cursor = new Cursor(bytes);
		cursor.skipWhitespace();
		if (!cursor.more() || (cursor.peek() != '{' && cursor.peek() != '[')) {
			return null;
		}
		JsonNode root = value(cursor, 0);
		if (root == null) {
			return null;
		}
		cursor.skipWhitespace();
		return cursor.more() ? null : root;
	}

	private @Nullable JsonNode value(Cursor cursor, int depth) {
		if (!cursor.more()) {
			return null;
		}
		byte b = cursor.peek();
		return switch (b) {
			case '{' -> (depth < this.maxDepth) ? object(cursor, depth + 1) : null;
			case '[' -> (depth < this.maxDepth) ? array(cursor, depth + 1) : null;
			case '"' -> {
				String text = string(cursor, this.maxStringLength);
				yield (text != null) ? this.nodes.stringNode(text) : null;
			}
			case 't' -> cursor.literal("true") ? this.nodes.booleanNode(true) : null;
			case 'f' -> cursor.literal("false") ? this.nodes.booleanNode(false) : null;
			case 'n' -> cursor.literal("null") ? this.nodes.nullNode() : null;
			default -> ((b >= '0' && b <= '9') || b == '-') ? integer(cursor) : null;
		};
	}

	private @Nullable JsonNode object(Cursor cursor, int depth) {
		cursor.position++;
		ObjectNode object = this.compact ? new ObjectNode(this.nodes, new CompactProperties())
				: this.nodes.objectNode();
		cursor.skipWhitespace();
		if (cursor.more() && cursor.peek() == '}') {
			cursor.position++;
			return object;
		}
		while (true) {
			if (!cursor.more() || cursor.peek() != '"') {
				return null;
			}
			String name = name(cursor);
			if (name == null) {
				return null;
			}
			cursor.skipWhitespace();
			if (!cursor.more() || cursor.peek() != ':') {
				return null;
			}
			cursor.position++;
			cursor.skipWhitespace();
			JsonNode value = value(cursor, depth);
			// A duplicate name is left to Jackson, whose features decide what it means.
			if (value == null || object.replace(name, value) != null) {
				return null;
			}
			cursor.skipWhitespace();
			if (!cursor.more()) {
				return null;
			}
			byte next = cursor.bytes[cursor.position++];
			if (next == '}') {
				return object;
			}
			if (next != ',') {
				return null;
			}
			cursor.skipWhitespace();
		}
	}

	private @Nullable JsonNode array(Cursor cursor, int depth) {
		cursor.position++;
		ArrayNode array = this.nodes.arrayNode();
		cursor.skipWhitespace();
		if (cursor.more() && cursor.peek() == ']') {
			cursor.position++;
			return array;
		}
		while (true) {
			JsonNode value = value(cursor, depth);
			if (value == null) {
				return null;
			}
			array.add(value);
			cursor.skipWhitespace();
			if (!cursor.more()) {
				return null;
			}
			byte next = cursor.bytes[cursor.position++];
			if (next == ']') {
				return array;
			}
			if (next != ',') {
				return null;
			}
			cursor.skipWhitespace();
		}
	}

	private @Nullable JsonNode integer(Cursor cursor) {
		byte[] bytes = cursor.bytes;
		int i = cursor.position;
		boolean negative = bytes[i] == '-';
		if (negative) {
			i++;
		}
		int start = i;
		long value = 0;
		while (i < bytes.length && bytes[i] >= '0' && bytes[i] <= '9') {
			if (i - start >= this.maxDigits) {
				return null;
			}
			value = value * 10 + (bytes[i] - '0');
			i++;
		}
		int digits = i - start;
		// No digits, a leading zero, and -0 are Jackson's to judge or to type.
		if (digits == 0 || (digits > 1 && bytes[start] == '0') || (negative && value == 0)) {
			return null;
		}
		cursor.position = i;
		if (negative) {
			value = -value;
		}
		return (value == (int) value) ? this.nodes.numberNode((int) value) : this.nodes.numberNode(value);
	}

	/**
	 * Read a member name, reusing the String of an earlier name with the same bytes:
	 * events repeat a few names, so this saves allocating them again and again. The cache
	 * is racy by design: a String is immutable, so a thread sees either an earlier name
	 * or none, and a miss only allocates.
	 */
	private @Nullable String name(Cursor cursor) {
		byte[] bytes = cursor.bytes;
		int start = cursor.position + 1;
		int end = Math.min(bytes.length, start + MAX_CACHED_NAME + 1);
		int hash = 0;
		for (int i = start; i < end; i++) {
			byte b = bytes[i];
			if (b == '"') {
				int length = i - start;
				if (length > this.maxNameLength) {
					return null;
				}
				int slot = (hash ^ (hash >>> 7)) & (this.names.length - 1);
				Name cached = this.names[slot];
				if (cached == null || !sameBytes(cached.bytes, bytes, start, length)) {
					cached = new Name(Arrays.copyOfRange(bytes, start, i),
							new String(bytes, start, length, StandardCharsets.ISO_8859_1));
					this.names[slot] = cached;
				}
				cursor.position = i + 1;
				return cached.text;
			}
			if (b < 0x20 || b == '\\') {
				break;
			}
			hash = 31 * hash + b;
		}
		return string(cursor, this.maxNameLength);
	}

	// Names are short: a plain loop beats the vectorized comparison's set-up.
	private static boolean sameBytes(byte[] name, byte[] bytes, int start, int length) {
		if (name.length != length) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			if (name[i] != bytes[start + i]) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Read a string whose opening quote is at the cursor: printable ASCII and the
	 * standard escapes, at most {@code maxLength} bytes as sent.
	 */
	private static @Nullable String string(Cursor cursor, int maxLength) {
		byte[] bytes = cursor.bytes;
		int start = cursor.position + 1;
		int i = start;
		while (i < bytes.length) {
			byte b = bytes[i];
			if (b == '"') {
				if (i - start > maxLength) {
					return null;
				}
				cursor.position = i + 1;
				return new String(bytes, start, i - start, StandardCharsets.ISO_8859_1);
			}
			if (b == '\\') {
				return escapedString(cursor, start, i, maxLength);
			}
			if (b < 0x20) {
				// Control characters and (as negative bytes) non-ASCII.
				return null;
			}
			i++;
		}
		return null;
	}

	private static @Nullable String escapedString(Cursor cursor, int start, int firstEscape, int maxLength) {
		byte[] bytes = cursor.bytes;
		StringBuilder text = new StringBuilder(firstEscape - start + 16);
		text.append(new String(bytes, start, firstEscape - start, StandardCharsets.ISO_8859_1));
		int i = firstEscape;
		while (i < bytes.length) {
			byte b = bytes[i++];
			if (b == '"') {
				// Measured as sent, escapes included: never less than Jackson counts,
				// whether in characters (values) or in UTF-8 bytes (names).
				if (i - 1 - start > maxLength) {
					return null;
				}
				cursor.position = i;
				return text.toString();
			}
			if (b < 0x20) {
				return null;
			}
			if (b != '\\') {
				text.append((char) b);
				continue;
			}
			if (i >= bytes.length) {
				return null;
			}
			byte escaped = bytes[i++];
			switch (escaped) {
				case '"', '\\', '/' -> text.append((char) escaped);
				case 'b' -> text.append('\b');
				case 'f' -> text.append('\f');
				case 'n' -> text.append('\n');
				case 'r' -> text.append('\r');
				case 't' -> text.append('\t');
				case 'u' -> {
					if (i + 4 > bytes.length) {
						return null;
					}
					int code = 0;
					for (int k = 0; k < 4; k++) {
						int digit = Character.digit(bytes[i + k], 16);
						if (digit < 0) {
							return null;
						}
						code = (code << 4) | digit;
					}
					i += 4;
					text.append((char) code);
				}
				default -> {
					return null;
				}
			}
			if (i - start > maxLength) {
				return null;
			}
		}
		return null;
	}

	/**
	 * A position in the document being read; one per call.
	 */
	private static final class Cursor {

		final byte[] bytes;

		int position;

		Cursor(byte[] bytes) {
			this.bytes = bytes;
		}

		boolean more() {
			return this.position < this.bytes.length;
		}

		byte peek() {
			return this.bytes[this.position];
		}

		void skipWhitespace() {
			while (this.position < this.bytes.length) {
				byte b = this.bytes[this.position];
				if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
					return;
				}
				this.position++;
			}
		}

		boolean literal(String word) {
			int end = this.position + word.length();
			if (end > this.bytes.length) {
				return false;
			}
			for (int i = 0; i < word.length(); i++) {
				if (this.bytes[this.position + i] != word.charAt(i)) {
					return false;
				}
			}
			this.position = end;
			return true;
		}

	}

	/**
	 * A cached member name: its bytes and its text, published together.
	 */
	private record Name(byte[] bytes, String text) {
	}

	private record Cached(ObjectMapper mapper, @Nullable PlainJsonTreeReader reader) {
	}

}
