package io.github.cloudrunmcp.stream;

import org.jspecify.annotations.Nullable;

/**
 * Finds the string value of a top-level {@code "event"} or {@code "method"} member of a
 * JSON object without parsing the whole document, so that typing an event costs a scan,
 * not a tree.
 * <p>
 * The scan moves forward only and reads each character a small, fixed number of times (a
 * member's string value once to find its end and once more for escapes), so a hostile
 * document costs time in proportion to its length, whatever its shape or nesting.
 */
final class EventTypeSniffer {

	/**
	 * The type found last. Streams repeat a handful of types, so reusing it saves a
	 * String per event; a stale or racing value only costs a new substring.
	 */
	private static volatile String lastType = "";

	private EventTypeSniffer() {
	}

	/**
	 * Return the value of the top-level {@code event} member, else of {@code method},
	 * when it is a string without escapes; {@code null} otherwise or when the text is not
	 * a JSON object.
	 * @param json the text
	 * @return the type, or {@code null}
	 */
	static @Nullable String sniff(CharSequence json) {
		int length = json.length();
		int i = skipWhitespace(json, 0);
		if (i >= length || json.charAt(i) != '{') {
			return null;
		}
		i++;
		String method = null;
		while (true) {
			i = skipWhitespace(json, i);
			if (i >= length || json.charAt(i) != '"') {
				return method;
			}
			int keyStart = i + 1;
			int keyEnd = endOfString(json, keyStart);
			if (keyEnd < 0) {
				return method;
			}
			i = skipWhitespace(json, keyEnd + 1);
			if (i >= length || json.charAt(i) != ':') {
				return method;
			}
			i = skipWhitespace(json, i + 1);
			if (i >= length) {
				return method;
			}
			if (json.charAt(i) == '"') {
				int valueStart = i + 1;
				int valueEnd = endOfString(json, valueStart);
				if (valueEnd < 0) {
					return method;
				}
				// Look for an escape inside this value only: searching to the end of the
				// document for every member made the scan quadratic.
				boolean plain = !hasBackslash(json, valueStart, valueEnd);
				if (plain && isKey(json, keyStart, keyEnd, "event")) {
					return value(json, valueStart, valueEnd);
				}
				if (plain && method == null && isKey(json, keyStart, keyEnd, "method")) {
					method = value(json, valueStart, valueEnd);
				}
				i = valueEnd + 1;
			}
			else {
				i = skipValue(json, i);
				if (i < 0) {
					return method;
				}
			}
			i = skipWhitespace(json, i);
			if (i >= length || json.charAt(i) != ',') {
				return method;
			}
			i++;
		}
	}

	private static String value(CharSequence json, int start, int end) {
		String last = lastType;
		if (regionEquals(json, start, end, last)) {
			return last;
		}
		String type = json.subSequence(start, end).toString();
		lastType = type;
		return type;
	}

	private static boolean isKey(CharSequence json, int start, int end, String key) {
		return regionEquals(json, start, end, key);
	}

	private static boolean regionEquals(CharSequence json, int start, int end, String text) {
		if (end - start != text.length()) {
			return false;
		}
		for (int i = 0; i < text.length(); i++) {
			if (json.charAt(start + i) != text.charAt(i)) {
				return false;
			}
		}
		return true;
	}

	private static boolean hasBackslash(CharSequence json, int start, int end) {
		for (int i = start; i < end; i++) {
			if (json.charAt(i) == '\\') {
				return true;
			}
		}
		return false;
	}

	private static int skipWhitespace(CharSequence json, int i) {
		while (i < json.length()) {
			char c = json.charAt(i);
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
				break;
			}
			i++;
		}
		return i;
	}

	/** Return the index of the closing quote of a string whose content starts at i. */
	private static int endOfString(CharSequence json, int i) {
		while (i < json.length()) {
			char c = json.charAt(i);
			if (c == '\\') {
				i += 2;
				continue;
			}
			if (c == '"') {
				return i;
			}
			i++;
		}
		return -1;
	}

	/**
	 * Skip a non-string value (number, literal, object, array); return the index after
	 * it.
	 */
	private static int skipValue(CharSequence json, int i) {
		int depth = 0;
		while (i < json.length()) {
			char c = json.charAt(i);
			if (c == '"') {
				i = endOfString(json, i + 1);
				if (i < 0) {
					return -1;
				}
			}
			else if (c == '{' || c == '[') {
				depth++;
			}
			else if (c == '}' || c == ']') {
				if (depth == 0) {
					return i;
				}
				depth--;
				if (depth == 0) {
					return i + 1;
				}
			}
			else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
				return i;
			}
			i++;
		}
		return -1;
	}

}
