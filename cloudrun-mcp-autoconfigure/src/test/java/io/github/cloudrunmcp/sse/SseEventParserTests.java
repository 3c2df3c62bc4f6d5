package io.github.cloudrunmcp.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Conformance with the WHATWG event-stream rules. Every case is parsed whole, one byte at
 * a time and in seeded random chunkings, and must give the same result each way.
 */
class SseEventParserTests {

	private static final int MAX = 1024 * 1024;

	/** Parse the input every way and check that all ways agree; return the result. */
	private static Result parse(byte[] input) {
		Result whole = parseChunked(input, new int[] { input.length });
		int[] ones = new int[input.length];
		java.util.Arrays.fill(ones, 1);
		assertThat(parseChunked(input, ones)).as("one byte at a time").isEqualTo(whole);
		Random random = new Random(input.length * 31L + 7);
		for (int round = 0; round < 20; round++) {
			List<Integer> sizes = new ArrayList<>();
			int left = input.length;
			while (left > 0) {
				int size = Math.min(left, 1 + random.nextInt(8));
				sizes.add(size);
				left -= size;
			}
			assertThat(parseChunked(input, sizes.stream().mapToInt(Integer::intValue).toArray()))
				.as("random chunking %s", sizes)
				.isEqualTo(whole);
		}
		return whole;
	}

	private static Result parse(String input) {
		return parse(input.getBytes(StandardCharsets.UTF_8));
	}

	private static Result parseChunked(byte[] input, int[] sizes) {
		return parseChunked(input, sizes, MAX);
	}

	private static Result parseChunked(byte[] input, int[] sizes, int limit) {
		Result result = new Result(new ArrayList<>(), new ArrayList<>(), new String[1]);
		SseEventParser parser = new SseEventParser(limit, "", new SseEventParser.Listener() {
			@Override
			public void onEvent(@Nullable String id, String type, String data) {
				result.events().add(id + "|" + type + "|" + data);
			}

			@Override
			public void onRetry(long millis) {
				result.retries().add(millis);
			}
		});
		int offset = 0;
		for (int size : sizes) {
			// Feed from the middle of a larger array to exercise offsets.
			byte[] padded = new byte[size + 4];
			System.arraycopy(input, offset, padded, 2, size);
			parser.feed(padded, 2, size);
			offset += size;
		}
		parser.end();
		result.lastEventId()[0] = parser.lastEventId();
		return result;
	}

	record Result(List<String> events, List<Long> retries, String[] lastEventId) {

		@Override
		public boolean equals(Object other) {
			return other instanceof Result that && this.events.equals(that.events) && this.retries.equals(that.retries)
					&& this.lastEventId[0].equals(that.lastEventId[0]);
		}

		@Override
		public int hashCode() {
			return this.events.hashCode();
		}

	}

	@Test
	void simpleEvent() {
		assertThat(parse("data: hello\n\n").events()).containsExactly("null|message|hello");
	}

	@Test
	void lineEndingsLfCrAndCrlfAreEquivalent() {
		String lf = "event: a\ndata: 1\ndata: 2\n\nid: 7\ndata: 3\n\n";
		List<String> expected = List.of("null|a|1\n2", "7|message|3");
		assertThat(parse(lf).events()).isEqualTo(expected);
		assertThat(parse(lf.replace("\n", "\r")).events()).isEqualTo(expected);
		assertThat(parse(lf.replace("\n", "\r\n")).events()).isEqualTo(expected);
		assertThat(parse("event: a\r\ndata: 1\rdata: 2\n\r\nid: 7\rdata: 3\r\n\n").events()).isEqualTo(expected);
	}

	@Test
	void crFollowedByLfInNextChunkIsOneLineEnd() {
		// "\r" then "\n" must not produce an extra empty line (which would dispatch
		// early).
		assertThat(parse("data: a\r\ndata: b\r\n\r\n").events()).containsExactly("null|message|a\nb");
	}

	@Test
	void leadingBomIsSkippedOnlyAtTheStart() {
		byte[] bom = { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF };
		byte[] body = "data: x\n\n\uFEFFdata: y\n\ndata: z\n\n".getBytes(StandardCharsets.UTF_8);
		byte[] input = new byte[bom.length + body.length];
		System.arraycopy(bom, 0, input, 0, 3);
		System.arraycopy(body, 0, input, 3, body.length);
		// The second BOM makes the field name "\uFEFFdata", an unknown field.
		assertThat(parse(input).events()).containsExactly("null|message|x", "null|message|z");
	}

	@Test
	void commentsAreIgnored() {
		assertThat(parse(": heartbeat\n\n:\ndata: a\n: inside\ndata: b\n\n").events())
			.containsExactly("null|message|a\nb");
	}

	@Test
	void fieldWithoutColonHasEmptyValue() {
		assertThat(parse("data\n\n").events()).containsExactly("null|message|");
		assertThat(parse("data\ndata\n\n").events()).containsExactly("null|message|\n");
	}

	@Test
	void onlyOneLeadingSpaceIsRemoved() {
		assertThat(parse("data:x\n\ndata:  y\n\ndata: \n\n").events()).containsExactly("null|message|x",
				"null|message| y", "null|message|");
	}

	@Test
	void valueMayContainColons() {
		assertThat(parse("data: {\"a\":\"b:c\"}\n\n").events()).containsExactly("null|message|{\"a\":\"b:c\"}");
	}

	@Test
	void eventTypeAppliesToOneEventAndEmptyMeansMessage() {
		assertThat(parse("event: x\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n").events()).containsExactly("null|x|1",
				"null|message|2", "null|message|3");
	}

	@Test
	void lastEventIdPersistsAcrossEventsAndEmptyIdResetsIt() {
		Result result = parse("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
		assertThat(result.events()).containsExactly("1|message|a", "1|message|b", "null|message|c");
		assertThat(result.lastEventId()[0]).isEmpty();
	}

	@Test
	void idContainingNulIsIgnored() {
		assertThat(parse("id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n").events()).containsExactly("1|message|a",
				"1|message|b");
	}

	@Test
	void idWithoutDataStillCommitsAtBlankLine() {
		Result result = parse("id: 1\ndata: a\n\nid: 5\n\n");
		assertThat(result.events()).containsExactly("1|message|a");
		assertThat(result.lastEventId()[0]).isEqualTo("5");
	}

	@Test
	void idOfAnIncompleteBlockIsNotCommitted() {
		Result result = parse("id: 1\ndata: a\n\nid: 2\ndata: b\n");
		assertThat(result.events()).containsExactly("1|message|a");
		assertThat(result.lastEventId()[0]).isEqualTo("1");
	}

	@Test
	void retryIsHonouredOnlyWhenAllDigits() {
		Result result = parse("retry: 1500\nretry: 15a\nretry:\nretry: -1\nretry: 1.5\nretry:250\n\n");
		assertThat(result.retries()).containsExactly(1500L, 250L);
		assertThat(result.events()).isEmpty();
	}

	@Test
	void unknownFieldsAreIgnored() {
		assertThat(parse("foo: bar\nDATA: no\ndata: yes\nData: no\n\n").events()).containsExactly("null|message|yes");
	}

	@Test
	void incompleteEventAtEndIsDropped() {
		assertThat(parse("data: a\n\ndata: b").events()).containsExactly("null|message|a");
		assertThat(parse("data: a\n\ndata: b\n").events()).containsExactly("null|message|a");
	}

	@Test
	void blankLinesWithoutDataDispatchNothing() {
		assertThat(parse("\n\n\r\n\revent: x\n\n").events()).isEmpty();
	}

	@Test
	void invalidUtf8IsReplacedNotFatal() {
		byte[] input = { 'd', 'a', 't', 'a', ':', ' ', 'a', (byte) 0xC3, (byte) 0x28, 'b', (byte) 0xFF, '\n', '\n' };
		assertThat(parse(input).events()).containsExactly("null|message|a\uFFFD(b\uFFFD");
	}

	@Test
	void multiByteCharactersSplitAcrossChunksDecode() {
		assertThat(parse("id: é\nevent: 事件\ndata: héllo 世界 🎉\n\n").events()).containsExactly("é|事件|héllo 世界 🎉");
	}

	@Test
	void byteBufferInputIsParsed() {
		List<String> events = new ArrayList<>();
		SseEventParser parser = new SseEventParser(MAX, "", (id, type, data) -> events.add(data));
		ByteBuffer direct = ByteBuffer.allocateDirect(32);
		direct.put("data: d\n\n".getBytes(StandardCharsets.UTF_8)).flip();
		parser.feed(direct);
		parser.feed(ByteBuffer.wrap("xxdata: h\n\n".getBytes(StandardCharsets.UTF_8), 2, 9));
		assertThat(events).containsExactly("d", "h");
		assertThat(direct.hasRemaining()).isFalse();
	}

	@Test
	void initialLastEventIdIsCarriedIntoEvents() {
		List<String> ids = new ArrayList<>();
		SseEventParser parser = new SseEventParser(MAX, "41", (id, type, data) -> ids.add(id));
		byte[] input = "data: x\n\n".getBytes(StandardCharsets.UTF_8);
		parser.feed(input, 0, input.length);
		assertThat(ids).containsExactly("41");
	}

	@Test
	void eventLargerThanLimitIsAnError() {
		SseEventParser parser = new SseEventParser(100, "", (id, type, data) -> {
		});
		byte[] ok = ("data: " + "x".repeat(80) + "\n\n").getBytes(StandardCharsets.UTF_8);
		parser.feed(ok, 0, ok.length);
		byte[] big = ("data: " + "x".repeat(60) + "\ndata: " + "y".repeat(60) + "\n\n")
			.getBytes(StandardCharsets.UTF_8);
		assertThatExceptionOfType(SseEventTooLargeException.class).isThrownBy(() -> parser.feed(big, 0, big.length))
			.withMessageContaining("100 bytes")
			.withMessageContaining("cloudrun.mcp.stream.max-event-size");
	}

	@Test
	void unterminatedLineLargerThanLimitIsAnErrorNotUnboundedGrowth() {
		SseEventParser parser = new SseEventParser(1000, "", (id, type, data) -> {
		});
		byte[] chunk = "x".repeat(300).getBytes(StandardCharsets.UTF_8);
		parser.feed(chunk, 0, chunk.length);
		parser.feed(chunk, 0, chunk.length);
		parser.feed(chunk, 0, chunk.length);
		assertThatExceptionOfType(SseEventTooLargeException.class)
			.isThrownBy(() -> parser.feed(chunk, 0, chunk.length));
	}

	@Test
	void commentsDoNotCountTowardsTheLimit() {
		List<String> events = new ArrayList<>();
		SseEventParser parser = new SseEventParser(100, "", (id, type, data) -> events.add(data));
		for (int i = 0; i < 100; i++) {
			byte[] heartbeat = ": keep-alive ping\n".getBytes(StandardCharsets.UTF_8);
			parser.feed(heartbeat, 0, heartbeat.length);
		}
		byte[] event = "data: ok\n\n".getBytes(StandardCharsets.UTF_8);
		parser.feed(event, 0, event.length);
		assertThat(events).containsExactly("ok");
	}

	@Test
	void randomBytesNeverThrowAnythingButTheDocumentedError() {
		Random random = new Random(20261125L);
		byte[] alphabet = "data:id:event:retry: \r\n\n\n:x0123456789\u0000".getBytes(StandardCharsets.UTF_8);
		for (int run = 0; run < 2000; run++) {
			byte[] input = new byte[random.nextInt(400)];
			for (int i = 0; i < input.length; i++) {
				input[i] = (random.nextInt(4) == 0) ? (byte) random.nextInt(256)
						: alphabet[random.nextInt(alphabet.length)];
			}
			int limit = 16 + random.nextInt(300);
			Result whole = fuzz(input, new int[] { input.length }, limit);
			List<Integer> sizes = new ArrayList<>();
			int left = input.length;
			while (left > 0) {
				int size = Math.min(left, 1 + random.nextInt(16));
				sizes.add(size);
				left -= size;
			}
			Result chunked = fuzz(input, sizes.stream().mapToInt(Integer::intValue).toArray(), limit);
			if (whole != null && chunked != null) {
				assertThat(chunked).isEqualTo(whole);
			}
		}
	}

	private static @Nullable Result fuzz(byte[] input, int[] sizes, int limit) {
		try {
			return parseChunked(input, sizes, limit);
		}
		catch (SseEventTooLargeException ex) {
			return null;
		}
	}

}
