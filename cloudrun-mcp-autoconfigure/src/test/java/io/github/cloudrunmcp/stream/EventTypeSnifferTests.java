package io.github.cloudrunmcp.stream;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sniffer's cost is counted in character reads, not measured in time: a hostile
 * server controls the document, so the number of reads must stay proportional to its
 * length whatever its shape.
 */
class EventTypeSnifferTests {

	/** The largest event the parser accepts by default. */
	private static final int ONE_MIB = 1024 * 1024;

	/**
	 * Reads allowed per character. The scan reads a character up to about three times
	 * (skipping whitespace peeks at the next one; a string value is read for its end and
	 * for escapes); a scan that restarts per member reads it thousands of times.
	 */
	private static final int READS_PER_CHAR = 4;

	static Stream<Arguments> hostileDocuments() {
		return Stream.of(Arguments.of("many string members", repeat("{", "\"a\":\"x\",", "\"z\":1}")),
				Arguments.of("many string members then the type", repeat("{", "\"a\":\"x\",", "\"event\":\"late\"}")),
				Arguments.of("escaped values", repeat("{", "\"a\":\"\\\"\\\\\",", "\"z\":1}")),
				Arguments.of("escaped event values", repeat("{", "\"event\":\"\\\"\",", "\"z\":1}")),
				Arguments.of("deep nesting", repeat("{\"a\":", "[", "")),
				Arguments.of("nested objects per member", repeat("{", "\"a\":{\"b\":[\"c\"]},", "\"z\":1}")),
				Arguments.of("one long string", repeat("{\"a\":\"", "\\\"", "\"}")),
				Arguments.of("unterminated string", repeat("{\"a\":\"", "x", "")),
				Arguments.of("whitespace", repeat("{", " ", "\"event\":\"late\"}")),
				Arguments.of("many method members", repeat("{", "\"method\":\"m\",", "\"z\":1}")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileDocuments")
	void oneMebibyteOfHostileJsonIsReadInLinearTime(String name, String json) {
		CountingText text = new CountingText(json, (long) READS_PER_CHAR * json.length() + 64);
		EventTypeSniffer.sniff(text);
		assertThat(text.reads).as("character reads for %d chars", json.length()).isLessThanOrEqualTo(text.budget);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileDocuments")
	void hostileJsonStillYieldsTheTopLevelType(String name, String json) {
		String expected = switch (name) {
			case "many string members then the type", "whitespace" -> "late";
			case "many method members" -> "m";
			default -> null;
		};
		assertThat(EventTypeSniffer.sniff(json)).isEqualTo(expected);
	}

	private static String repeat(String head, String unit, String tail) {
		StringBuilder json = new StringBuilder(ONE_MIB + 64).append(head);
		while (json.length() + unit.length() + tail.length() <= ONE_MIB) {
			json.append(unit);
		}
		return json.append(tail).toString();
	}

	/**
	 * Text that counts its character reads and fails as soon as they exceed the budget,
	 * so a quadratic scan fails in milliseconds instead of running for minutes.
	 */
	private static final class CountingText implements CharSequence {

		private final String text;

		private final long budget;

		private long reads;

		CountingText(String text, long budget) {
			this.text = text;
			this.budget = budget;
		}

		@Override
		public int length() {
			return this.text.length();
		}

		@Override
		public char charAt(int index) {
			if (++this.reads > this.budget) {
				throw new AssertionError("more than " + this.budget + " character reads for " + this.text.length()
						+ " characters: the scan is not linear");
			}
			return this.text.charAt(index);
		}

		@Override
		public CharSequence subSequence(int start, int end) {
			this.reads += end - start;
			return this.text.subSequence(start, end);
		}

		@Override
		public String toString() {
			return this.text;
		}

	}

}
