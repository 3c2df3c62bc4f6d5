package io.github.cloudrunmcp.text;

import org.jspecify.annotations.Nullable;

/**
 * Makes text that a server chose (event ids and types, bodies, names, error messages)
 * safe to put in a log line or a health detail: a server must not be able to forge log
 * lines with a line break, hide text with terminal escapes or bidirectional controls, or
 * fill a log with one huge value.
 *
 * <p>
 * Control characters (C0, DEL, C1), line and paragraph separators, bidirectional controls
 * and unpaired surrogates become {@code \n}, {@code \r}, {@code \t} or
 * {@code \}{@code uXXXX}; a backslash becomes two, so an escape in the output always
 * comes from this class. Text longer than the limit is cut and says how much was left
 * out.
 */
public final class PrintableText {

	/** How many characters of a value are kept by {@link #of(CharSequence)}. */
	public static final int DEFAULT_MAX_LENGTH = 256;

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private PrintableText() {
	}

	/**
	 * Return the text escaped and cut to {@value #DEFAULT_MAX_LENGTH} characters.
	 * @param text the text, or {@code null}
	 * @return printable text; {@code null} becomes {@code "null"}
	 */
	public static String of(@Nullable CharSequence text) {
		return of(text, DEFAULT_MAX_LENGTH);
	}

	/**
	 * Return the text escaped and cut to {@code maxLength} characters of input.
	 * @param text the text, or {@code null}
	 * @param maxLength how many characters of the input to keep, at least 0
	 * @return printable text; {@code null} becomes {@code "null"}
	 */
	public static String of(@Nullable CharSequence text, int maxLength) {
		if (maxLength < 0) {
			throw new IllegalArgumentException("maxLength must be 0 or more, got " + maxLength);
		}
		if (text == null) {
			return "null";
		}
		int length = text.length();
		int end = Math.min(length, maxLength);
		if (end == length && isPlain(text)) {
			return text.toString();
		}
		StringBuilder out = new StringBuilder(end + 16);
		int kept = 0;
		while (kept < end) {
			char c = text.charAt(kept);
			if (Character.isHighSurrogate(c) && kept + 1 < length && Character.isLowSurrogate(text.charAt(kept + 1))) {
				if (kept + 1 >= end) {
					// The pair straddles the cut: keep neither half.
					break;
				}
				out.append(c).append(text.charAt(kept + 1));
				kept += 2;
				continue;
			}
			append(out, c);
			kept++;
		}
		if (kept < length) {
			out.append("...(").append(length - kept).append(" more chars)");
		}
		return out.toString();
	}

	private static boolean isPlain(CharSequence text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < 0x20 || c >= 0x7F || c == '\\') {
				return false;
			}
		}
		return true;
	}

	private static void append(StringBuilder out, char c) {
		switch (c) {
			case '\n' -> out.append("\\n");
			case '\r' -> out.append("\\r");
			case '\t' -> out.append("\\t");
			case '\\' -> out.append("\\\\");
			default -> {
				if (needsEscape(c)) {
					out.append("\\u")
						.append(HEX[(c >> 12) & 0xF])
						.append(HEX[(c >> 8) & 0xF])
						.append(HEX[(c >> 4) & 0xF])
						.append(HEX[c & 0xF]);
				}
				else {
					out.append(c);
				}
			}
		}
	}

	private static boolean needsEscape(char c) {
		return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029'
				|| (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u200E'
				|| c == '\u200F' || c == '\u061C' || c == '\uFEFF' || Character.isSurrogate(c);
	}

}
