package io.github.cloudrunmcp.stream;

import org.jspecify.annotations.Nullable;

/**
 * Finds the string value of a top-level {@code "event"} or {@code "method"} member of a
 * JSON object without parsing the whole document, so that typing an event costs a scan,
 * not a tree.
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
	static @Nullable String sniff(String json) {
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
				boolean plain = json.indexOf('\\', valueStart) < 0 || json.indexOf('\\', valueStart) > valueEnd;
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

	private static String value(String json, int start, int end) {
		String last = lastType;
		if (last.length() == end - start && json.regionMatches(start, last, 0, last.length())) {
			return last;
		}
		String type = json.substring(start, end);
		lastType = type;
		return type;
	}

	private static boolean isKey(String json, int start, int end, String key) {
		return end - start == key.length() && json.startsWith(key, start);
	}

	private static int skipWhitespace(String json, int i) {
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
	private static int endOfString(String json, int i) {
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
	private static int skipValue(String json, int i) {
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
