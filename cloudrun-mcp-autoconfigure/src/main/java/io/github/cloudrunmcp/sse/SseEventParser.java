package io.github.cloudrunmcp.sse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Incremental Server-Sent Events parser that follows the WHATWG "event stream
 * interpretation" rules exactly: lines end with CR, LF or CRLF (also when a CRLF is split
 * across chunks); a leading UTF-8 BOM is skipped; lines starting with a colon are
 * comments; {@code data} lines join with LF; an {@code id} containing NUL is ignored, and
 * the last event ID persists across events; {@code retry} is honoured only when it is all
 * ASCII digits; unknown fields are ignored; the event type defaults to {@code message};
 * an event left incomplete at the end of the stream is dropped. Invalid UTF-8 becomes
 * U+FFFD, never an error.
 *
 * <p>
 * It works on the network's bytes: only complete field values are decoded (an event's
 * data not at all, for a listener that takes it as bytes), and a line is copied only when
 * it spans chunks. One instance parses one connection; it is not thread-safe.
 */
public final class SseEventParser {

	private static final byte LF = '\n';

	private static final byte CR = '\r';

	/** Reads eight bytes at a time, the first at the lowest bits. */
	private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

	private static final long ONES = 0x0101010101010101L;

	private static final long HIGH_BITS = 0x8080808080808080L;

	private static final long LFS = ONES * LF;

	private static final long CRS = ONES * CR;

	private final Listener listener;

	private final int maxEventSize;

	private byte[] carry = new byte[256];

	private int carryLength;

	private byte[] data = new byte[256];

	private int dataLength;

	private int eventSize;

	private boolean pendingCr;

	private boolean firstLine = true;

	private @Nullable String eventType;

	private String lastEventId;

	private String idBuffer;

	private boolean blockHasId;

	private boolean dispatchedHasId;

	private byte[] cachedTypeBytes = new byte[0];

	private String cachedType = "";

	/**
	 * Create a parser.
	 * @param maxEventSize the most bytes one event may span (its lines, not counting
	 * comments)
	 * @param lastEventId the last event ID of an earlier connection, or the empty string
	 * @param listener receives the events
	 */
	public SseEventParser(int maxEventSize, String lastEventId, Listener listener) {
		if (maxEventSize <= 0) {
			throw new IllegalArgumentException("maxEventSize must be positive");
		}
		this.maxEventSize = maxEventSize;
		this.lastEventId = Objects.requireNonNull(lastEventId, "lastEventId");
		this.idBuffer = lastEventId;
		this.listener = Objects.requireNonNull(listener, "listener");
	}

	/**
	 * Return the last event ID of the last complete block, the value to send as
	 * {@code Last-Event-ID} on reconnect.
	 * @return the last event ID, or the empty string
	 */
	public String lastEventId() {
		return this.lastEventId;
	}

	/**
	 * Parse the remaining bytes of a buffer, advancing its position to its limit.
	 * @param buffer the bytes
	 * @throws SseEventTooLargeException if an event exceeds the size limit
	 */
	public void feed(ByteBuffer buffer) {
		if (buffer.hasArray()) {
			feed(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
			buffer.position(buffer.limit());
			return;
		}
		byte[] copy = new byte[buffer.remaining()];
		buffer.get(copy);
		feed(copy, 0, copy.length);
	}

	/**
	 * Parse bytes.
	 * @param bytes the array
	 * @param offset where the bytes start
	 * @param length how many bytes
	 * @throws SseEventTooLargeException if an event exceeds the size limit
	 */
	public void feed(byte[] bytes, int offset, int length) {
		int end = offset + length;
		int i = offset;
		if (this.pendingCr && i < end) {
			this.pendingCr = false;
			if (bytes[i] == LF) {
				i++;
			}
		}
		int lineStart = i;
		while (i < end) {
			i = lineEnd(bytes, i, end);
			if (i == end) {
				break;
			}
			byte b = bytes[i];
			if (this.carryLength > 0) {
				appendCarry(bytes, lineStart, i - lineStart);
				int carried = this.carryLength;
				this.carryLength = 0;
				line(this.carry, 0, carried);
			}
			else {
				line(bytes, lineStart, i - lineStart);
			}
			i++;
			if (b == CR) {
				if (i < end) {
					if (bytes[i] == LF) {
						i++;
					}
				}
				else {
					this.pendingCr = true;
				}
			}
			lineStart = i;
		}
		if (lineStart < end) {
			appendCarry(bytes, lineStart, end - lineStart);
		}
	}

	/**
	 * Return where the first LF or CR is, looking eight bytes at a time.
	 * @param bytes the array
	 * @param from where to start
	 * @param end where to stop
	 * @return the index of the first LF or CR, or {@code end} when there is none
	 */
	static int lineEnd(byte[] bytes, int from, int end) {
		int i = from;
		while (i + Long.BYTES <= end) {
			long word = (long) WORDS.get(bytes, i);
			long lf = word ^ LFS;
			long cr = word ^ CRS;
			// A zero byte of lf or cr is a match; the lowest flagged byte is always one
			// (a borrow can flag only bytes above a match).
			long found = (((lf - ONES) & ~lf) | ((cr - ONES) & ~cr)) & HIGH_BITS;
			if (found != 0) {
				return i + (Long.numberOfTrailingZeros(found) >>> 3);
			}
			i += Long.BYTES;
		}
		while (i < end && bytes[i] != LF && bytes[i] != CR) {
			i++;
		}
		return i;
	}

	/**
	 * Signal the end of the stream: an incomplete event is dropped, as the specification
	 * says.
	 */
	public void end() {
		this.carryLength = 0;
		this.dataLength = 0;
		this.eventType = null;
		this.eventSize = 0;
		this.pendingCr = false;
		this.idBuffer = this.lastEventId;
		this.blockHasId = false;
	}

	/**
	 * Return whether the event being dispatched to {@link Listener#onEvent} set its ID
	 * with an {@code id} field, rather than inheriting the last one; meaningful only
	 * during that call.
	 * @return whether the event has an ID field of its own
	 */
	public boolean eventHasOwnId() {
		return this.dispatchedHasId;
	}

	private void appendCarry(byte[] bytes, int offset, int length) {
		int needed = this.carryLength + length;
		if (needed + this.eventSize > this.maxEventSize) {
			throw new SseEventTooLargeException(this.maxEventSize);
		}
		if (needed > this.carry.length) {
			this.carry = Arrays.copyOf(this.carry,
					Math.min(Math.max(needed, this.carry.length * 2), Math.max(needed, this.maxEventSize)));
		}
		System.arraycopy(bytes, offset, this.carry, this.carryLength, length);
		this.carryLength = needed;
	}

	private void line(byte[] bytes, int offset, int length) {
		if (this.firstLine) {
			this.firstLine = false;
			if (length >= 3 && bytes[offset] == (byte) 0xEF && bytes[offset + 1] == (byte) 0xBB
					&& bytes[offset + 2] == (byte) 0xBF) {
				offset += 3;
				length -= 3;
			}
		}
		if (length == 0) {
			dispatch();
			return;
		}
		if (bytes[offset] == ':') {
			return;
		}
		this.eventSize += length + 1;
		if (this.eventSize > this.maxEventSize) {
			throw new SseEventTooLargeException(this.maxEventSize);
		}
		int end = offset + length;
		int colon = offset;
		while (colon < end && bytes[colon] != ':') {
			colon++;
		}
		int nameLength = colon - offset;
		int valueStart = colon;
		if (colon < end) {
			valueStart++;
			if (valueStart < end && bytes[valueStart] == ' ') {
				valueStart++;
			}
		}
		int valueLength = end - valueStart;
		if (nameLength == 4 && bytes[offset] == 'd' && bytes[offset + 1] == 'a' && bytes[offset + 2] == 't'
				&& bytes[offset + 3] == 'a') {
			appendData(bytes, valueStart, valueLength);
		}
		else if (nameLength == 5 && bytes[offset] == 'e' && bytes[offset + 1] == 'v' && bytes[offset + 2] == 'e'
				&& bytes[offset + 3] == 'n' && bytes[offset + 4] == 't') {
			this.eventType = type(bytes, valueStart, valueLength);
		}
		else if (nameLength == 2 && bytes[offset] == 'i' && bytes[offset + 1] == 'd') {
			for (int i = valueStart; i < end; i++) {
				if (bytes[i] == 0) {
					return;
				}
			}
			this.idBuffer = new String(bytes, valueStart, valueLength, StandardCharsets.UTF_8);
			this.blockHasId = true;
		}
		else if (nameLength == 5 && bytes[offset] == 'r' && bytes[offset + 1] == 'e' && bytes[offset + 2] == 't'
				&& bytes[offset + 3] == 'r' && bytes[offset + 4] == 'y') {
			retry(bytes, valueStart, valueLength);
		}
	}

	private void appendData(byte[] bytes, int offset, int length) {
		int needed = this.dataLength + length + 1;
		if (needed > this.data.length) {
			this.data = Arrays.copyOf(this.data, Math.max(needed, this.data.length * 2));
		}
		System.arraycopy(bytes, offset, this.data, this.dataLength, length);
		this.data[this.dataLength + length] = LF;
		this.dataLength = needed;
	}

	private String type(byte[] bytes, int offset, int length) {
		// Streams repeat a handful of types: reuse the String when the bytes match the
		// last one.
		if (Arrays.equals(bytes, offset, offset + length, this.cachedTypeBytes, 0, this.cachedTypeBytes.length)) {
			return this.cachedType;
		}
		this.cachedTypeBytes = Arrays.copyOfRange(bytes, offset, offset + length);
		this.cachedType = new String(this.cachedTypeBytes, StandardCharsets.UTF_8);
		return this.cachedType;
	}

	private void retry(byte[] bytes, int offset, int length) {
		if (length == 0 || length > 18) {
			return;
		}
		long millis = 0;
		for (int i = offset; i < offset + length; i++) {
			byte b = bytes[i];
			if (b < '0' || b > '9') {
				return;
			}
			millis = millis * 10 + (b - '0');
		}
		this.listener.onRetry(millis);
	}

	private void dispatch() {
		this.eventSize = 0;
		// The ID of a block commits only at its blank line, even when it carries no data.
		this.lastEventId = this.idBuffer;
		this.dispatchedHasId = this.blockHasId;
		this.blockHasId = false;
		if (this.dataLength == 0) {
			this.eventType = null;
			return;
		}
		int length = this.dataLength - 1;
		String type = (this.eventType != null && !this.eventType.isEmpty()) ? this.eventType : "message";
		this.dataLength = 0;
		this.eventType = null;
		this.listener.onEvent(this.lastEventId.isEmpty() ? null : this.lastEventId, type, this.data, 0, length);
	}

	/**
	 * Receives what the parser finds.
	 */
	public interface Listener {

		/**
		 * Called for each complete event.
		 * @param id the last event ID at dispatch, or {@code null} when empty
		 * @param type the event type, {@code message} by default
		 * @param data the data lines joined with LF
		 */
		void onEvent(@Nullable String id, String type, String data);

		/**
		 * Called for each complete event with its data as the network sent it, so that a
		 * listener can keep the bytes (and hand them to a JSON parser) without decoding
		 * them to a {@code String}. The default decodes them (invalid UTF-8 becomes
		 * U+FFFD) and calls {@link #onEvent(String, String, String)}.
		 * @param id the last event ID at dispatch, or {@code null} when empty
		 * @param type the event type, {@code message} by default
		 * @param data the parser's buffer holding the data lines joined with LF, as UTF-8
		 * that may be invalid; it is reused once this call returns, so copy what must be
		 * kept
		 * @param offset where the data starts in the buffer
		 * @param length how many bytes of data
		 */
		default void onEvent(@Nullable String id, String type, byte[] data, int offset, int length) {
			onEvent(id, type, new String(data, offset, length, StandardCharsets.UTF_8));
		}

		/**
		 * Called when the server sets the reconnection time.
		 * @param millis the reconnection time in milliseconds
		 */
		default void onRetry(long millis) {
		}

	}

}
