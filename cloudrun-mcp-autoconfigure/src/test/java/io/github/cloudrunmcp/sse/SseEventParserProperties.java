package io.github.cloudrunmcp.sse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser's eight-bytes-at-a-time search for line ends finds what a byte-by-byte
 * search finds, and the events it reads do not depend on how the network cut the bytes:
 * one byte at a time (which never takes the eight-byte path) gives the same events as any
 * other cut.
 */
class SseEventParserProperties {

	@Property(tries = 3000)
	void lineEndFindsTheFirstLfOrCr(@ForAll("lineBytes") byte[] bytes, @ForAll @IntRange(min = 0, max = 80) int from,
			@ForAll @IntRange(min = 0, max = 80) int to) {
		int start = Math.min(from, bytes.length);
		int end = Math.max(start, Math.min(to, bytes.length));
		int expected = start;
		while (expected < end && bytes[expected] != '\n' && bytes[expected] != '\r') {
			expected++;
		}
		assertThat(SseEventParser.lineEnd(bytes, start, end)).isEqualTo(expected);
	}

	@Property(tries = 1000)
	void eventsDoNotDependOnHowTheBytesAreCut(@ForAll @StringLength(max = 400) @Chars({ 'd', 'a', 't', 'i', 'e', 'v',
			'n', ':', ' ', '\n', '\r', 'x', '{', '}', 'é' }) String text,
			@ForAll @IntRange(min = 2, max = 40) int chunk) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		assertThat(parse(bytes, chunk)).isEqualTo(parse(bytes, 1));
	}

	private static List<String> parse(byte[] bytes, int chunk) {
		List<String> events = new ArrayList<>();
		SseEventParser parser = new SseEventParser(1 << 20, "", new SseEventParser.Listener() {
			@Override
			public void onEvent(@Nullable String id, String type, String data) {
				events.add(id + "|" + type + "|" + data);
			}

			@Override
			public void onRetry(long millis) {
				events.add("retry " + millis);
			}
		});
		for (int i = 0; i < bytes.length; i += chunk) {
			parser.feed(bytes, i, Math.min(chunk, bytes.length - i));
		}
		return events;
	}

	@Provide
	Arbitrary<byte[]> lineBytes() {
		// Line ends among their near neighbours: bytes one bit away, and the same bytes
		// with the high bit set.
		Arbitrary<Byte> near = Arbitraries.of((byte) '\n', (byte) '\r', (byte) 0x0B, (byte) 0x0C, (byte) 0x09,
				(byte) 0x0E, (byte) 0x8A, (byte) 0x8D, (byte) 0x00, (byte) 0xFF, (byte) 0x01, (byte) 'a');
		Arbitrary<Byte> any = Arbitraries.bytes();
		Arbitrary<Byte> mostlyPlain = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.just((byte) 'a')),
				net.jqwik.api.Tuple.of(1, near), net.jqwik.api.Tuple.of(1, any));
		return mostlyPlain.array(byte[].class).ofMaxSize(80);
	}

}
