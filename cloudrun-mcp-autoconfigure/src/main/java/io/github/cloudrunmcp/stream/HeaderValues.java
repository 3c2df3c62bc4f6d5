package io.github.cloudrunmcp.stream;

import org.jspecify.annotations.Nullable;

/**
 * Which values a server sends that may be sent back to it in a request header: event IDs
 * ({@code Last-Event-ID}), session IDs ({@code Mcp-Session-Id}), negotiated protocol
 * versions.
 *
 * <p>
 * A value is sendable when it is non-empty, made of printable US-ASCII (U+0021 to U+007E)
 * and inner spaces, with no leading or trailing space. Anything else would be rejected by
 * the HTTP client on every attempt (control characters, DEL), sent changed (characters
 * above U+00FF go out as {@code ?}; surrounding spaces are stripped by the server), or
 * read differently by the server (Latin-1 bytes), so a stream that kept it would never
 * resume.
 */
public final class HeaderValues {

	private HeaderValues() {
	}

	/**
	 * Return whether a value the server sent in a response header (decoded one byte per
	 * character) can be sent back unchanged: as {@link #isSendable(String)}, but bytes
	 * 0x80 to 0xFF are allowed, since they go back out as the same bytes.
	 * @param value the value, or {@code null}
	 * @return whether it is non-empty and sendable
	 */
	public static boolean isEchoable(@Nullable String value) {
		return fits(value, (char) 0xFF);
	}

	/**
	 * Return whether a value can be sent unchanged as a header value.
	 * @param value the value, or {@code null}
	 * @return whether it is non-empty and sendable
	 */
	public static boolean isSendable(@Nullable String value) {
		return fits(value, (char) 0x7E);
	}

	// Non-empty, no space at either end, no control character or DEL, nothing above max.
	private static boolean fits(@Nullable String value, char max) {
		if (value == null || value.isEmpty()) {
			return false;
		}
		int last = value.length() - 1;
		if (value.charAt(0) == ' ' || value.charAt(last) == ' ') {
			return false;
		}
		for (int i = 0; i <= last; i++) {
			char c = value.charAt(i);
			if (c < 0x20 || c == 0x7F || c > max) {
				return false;
			}
		}
		return true;
	}

}
