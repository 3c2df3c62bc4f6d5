package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;

/**
 * ASCII bytes seen as text without decoding them, so that an event's type can be sniffed
 * from the bytes the network delivered.
 */
final class AsciiText implements CharSequence {

	private final byte[] bytes;

	/**
	 * Wrap bytes that are all ASCII.
	 * @param bytes the bytes, not copied
	 */
	AsciiText(byte[] bytes) {
		this.bytes = bytes;
	}

	@Override
	public int length() {
		return this.bytes.length;
	}

	@Override
	public char charAt(int index) {
		return (char) this.bytes[index];
	}

	@Override
	public CharSequence subSequence(int start, int end) {
		return new String(this.bytes, start, end - start, StandardCharsets.US_ASCII);
	}

	@Override
	public String toString() {
		return new String(this.bytes, StandardCharsets.US_ASCII);
	}

}
