package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Whatever the bytes, {@link PlainJsonTreeReader} either declines or returns exactly the
 * tree the mapper's {@code readTree} returns: the same node classes, numbers, strings and
 * member order, for documents Jackson accepts; it never accepts what Jackson rejects,
 * under the default limits and under tight {@link StreamReadConstraints}.
 */
class PlainJsonTreeReaderProperties {

	private static final ObjectMapper DEFAULTS = JsonMapper.builder().build();

	private static final ObjectMapper TIGHT = JsonMapper
		.builder(JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder()
				.maxNestingDepth(3)
				.maxStringLength(4)
				.maxNameLength(2)
				.maxNumberLength(5)
				.maxDocumentLength(60)
				.build())
			.build())
		.build();

	private static final ObjectMapper STRICT = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
		.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
		.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
		.build();

	@Property(tries = 3000)
	void generatedJsonReadsAsJacksonReadsIt(@ForAll("documents") String document) {
		agreesWithJackson(document);
	}

	@Property(tries = 3000)
	void damagedJsonReadsAsJacksonReadsIt(@ForAll("documents") String document,
			@ForAll @IntRange(min = 0, max = 10_000) int where, @ForAll @Chars({ '{', '}', '[', ']', '"', '\\', ':',
					',', ' ', '-', '0', '1', '.', 'e', 'u', 'n', 't', '\u0000', '\u0001', '\u007f' }) char what,
			@ForAll @IntRange(min = 0, max = 2) int how) {
		StringBuilder damaged = new StringBuilder(document);
		int at = where % (damaged.length() + 1);
		switch (how) {
			case 0 -> damaged.insert(at, what);
			case 1 -> {
				if (at < damaged.length()) {
					damaged.deleteCharAt(at);
				}
			}
			default -> {
				if (at < damaged.length()) {
					damaged.setCharAt(at, what);
				}
			}
		}
		agreesWithJackson(damaged.toString());
	}

	@Property(tries = 2000)
	void arbitraryTextReadsAsJacksonReadsIt(@ForAll @StringLength(max = 80) @Chars({ '{', '}', '[', ']', '"', '\\', ':',
			',', ' ', '\n', '-', '0', '1', '9', '.', 'e', 'a', 'u', 'n', 'l', 't', 'r', 'f', 's' }) String text) {
		agreesWithJackson(text);
	}

	@Property(tries = 500)
	void arbitraryBytesReadAsJacksonReadsThem(@ForAll byte[] bytes) {
		for (ObjectMapper mapper : List.of(DEFAULTS, TIGHT, STRICT)) {
			agrees(mapper, bytes);
		}
	}

	@Example
	void readsAnEventsPayloadItself() {
		byte[] payload = "{\"event\":\"model.response\",\"content\":\"token 1\\n\",\"index\":17,\"done\":false,\"n\":null}"
			.getBytes(StandardCharsets.US_ASCII);
		PlainJsonTreeReader reader = PlainJsonTreeReader.of(DEFAULTS);
		assertThat(reader).isNotNull();
		JsonNode tree = reader.read(payload);
		assertThat(tree).isNotNull();
		assertSameTree(DEFAULTS.readTree(payload), tree);
	}

	@Example
	void leavesMappersThatReadTreesOtherwiseToJackson() {
		assertThat(
				PlainJsonTreeReader.of(JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build()))
			.isNull();
		assertThat(PlainJsonTreeReader
			.of(JsonMapper.builder().enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS).build())).isNull();
		assertThat(PlainJsonTreeReader.of(JsonMapper.builder().disable(JsonNodeFeature.READ_NULL_PROPERTIES).build()))
			.isNull();
		assertThat(PlainJsonTreeReader.of(
				JsonMapper
					.builder(JsonFactory.builder()
						.streamReadConstraints(StreamReadConstraints.builder().maxTokenCount(100).build())
						.build())
					.build()))
			.isNull();
	}

	@Example
	void worstCaseInputsStayLinear() {
		int size = 1024 * 1024;
		List<String> inputs = List.of("[".repeat(size), "{\"a\":".repeat(size / 5) + "1",
				"[\"" + "\\u0041\\n".repeat(size / 8) + "\"]", "[" + "1,".repeat(size / 2) + "1]",
				"{" + manyMembers(200_000) + ",\"k0\":0}", "[\"" + "a".repeat(size) + "\"]",
				"[" + "9".repeat(size) + "]", "{\"" + "n".repeat(size) + "\":1}");
		PlainJsonTreeReader reader = PlainJsonTreeReader.of(DEFAULTS);
		assertThat(reader).isNotNull();
		for (String input : inputs) {
			byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
			// Generous for a loaded machine: a quadratic or runaway path takes minutes.
			JsonNode fast = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> reader.read(bytes));
			if (fast != null) {
				assertThat(fast).isEqualTo(DEFAULTS.readTree(bytes));
			}
		}
	}

	private static String manyMembers(int count) {
		StringBuilder members = new StringBuilder();
		for (int i = 0; i < count; i++) {
			members.append((i > 0) ? "," : "").append("\"k").append(i).append("\":").append(i);
		}
		return members.toString();
	}

	private static void agreesWithJackson(String document) {
		byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
		for (ObjectMapper mapper : List.of(DEFAULTS, TIGHT, STRICT)) {
			agrees(mapper, bytes);
		}
	}

	private static void agrees(ObjectMapper mapper, byte[] bytes) {
		PlainJsonTreeReader reader = PlainJsonTreeReader.of(mapper);
		assertThat(reader).isNotNull();
		JsonNode fast = reader.read(bytes);
		if (fast == null) {
			return;
		}
		JsonNode expected = readTree(mapper, bytes);
		assertThat(expected)
			.as("Jackson rejects what the reader accepted: %s", new String(bytes, StandardCharsets.ISO_8859_1))
			.isNotNull();
		assertSameTree(expected, fast);
	}

	private static @Nullable JsonNode readTree(ObjectMapper mapper, byte[] bytes) {
		try {
			return mapper.readTree(bytes);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static void assertSameTree(JsonNode expected, JsonNode actual) {
		assertThat(actual.getClass()).isEqualTo(expected.getClass());
		assertThat(actual.size()).isEqualTo(expected.size());
		if (expected.isObject()) {
			Iterator<Map.Entry<String, JsonNode>> want = expected.properties().iterator();
			Iterator<Map.Entry<String, JsonNode>> got = actual.properties().iterator();
			while (want.hasNext()) {
				Map.Entry<String, JsonNode> next = want.next();
				Map.Entry<String, JsonNode> other = got.next();
				assertThat(other.getKey()).isEqualTo(next.getKey());
				assertSameTree(next.getValue(), other.getValue());
			}
		}
		else if (expected.isArray()) {
			for (int i = 0; i < expected.size(); i++) {
				assertSameTree(expected.get(i), actual.get(i));
			}
		}
		else {
			assertThat(actual).isEqualTo(expected);
			if (expected.isNumber()) {
				assertThat(actual.numberValue()).isEqualTo(expected.numberValue());
			}
			else if (expected.isString()) {
				assertThat(actual.asString()).isEqualTo(expected.asString());
			}
		}
	}

	@Provide
	Arbitrary<String> documents() {
		return Combinators.combine(whitespace(), Arbitraries.oneOf(array(3), object(3)), whitespace())
			.as((before, root, after) -> before + root + after);
	}

	private Arbitrary<String> value(int depth) {
		if (depth == 0) {
			return scalar();
		}
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, scalar()),
				net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> array(depth - 1))),
				net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> object(depth - 1))));
	}

	private Arbitrary<String> array(int depth) {
		return Combinators.combine(value(depth).list().ofMaxSize(4), whitespace())
			.as((values, space) -> "[" + space + String.join(space + "," + space, values) + space + "]");
	}

	private Arbitrary<String> object(int depth) {
		Arbitrary<String> member = Combinators.combine(name(), whitespace(), value(depth))
			.as((name, space, value) -> name + space + ":" + space + value);
		// Up to 12 members: past CompactProperties.MAX_INLINE, objects spill to a map.
		return Combinators.combine(member.list().ofMaxSize(12), whitespace())
			.as((members, space) -> "{" + space + String.join("," + space, members) + "}");
	}

	private Arbitrary<String> name() {
		// Few names, so that duplicates are common.
		return Arbitraries.oneOf(Arbitraries.strings().withChars("ab").ofMaxLength(3).map((s) -> "\"" + s + "\""),
				string());
	}

	private Arbitrary<String> scalar() {
		return Arbitraries.oneOf(number(), string(),
				Arbitraries.of("true", "false", "null", "tru", "nul", "True", "nulll", "truefalse", "NaN", "Infinity"));
	}

	private Arbitrary<String> number() {
		return Arbitraries.oneOf(Arbitraries.integers().map(String::valueOf), Arbitraries.longs().map(String::valueOf),
				Arbitraries.integers().between(-20, 20).map(String::valueOf),
				Arbitraries.bigIntegers()
					.between(new java.math.BigInteger("-99999999999999999999999"),
							new java.math.BigInteger("99999999999999999999999"))
					.map(String::valueOf),
				Arbitraries.of("0", "-0", "00", "01", "-01", "1.5", "1e3", "1E3", "-", "+1", "2147483647", "2147483648",
						"-2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808",
						"999999999999999999", "1000000000000000000", "123456789012345678", "12345", "123456", "-12345",
						"-123456", "0.0", "1.", ".5", "0x10"),
				Arbitraries.doubles().map(String::valueOf));
	}

	private Arbitrary<String> string() {
		return Arbitraries.oneOf(
				Arbitraries.strings()
					.withChars(" aZ~\u007f\"\\/nrtbfu0123456789AFxé\u0001\t")
					.ofMaxLength(8)
					.map((s) -> "\"" + s + "\""),
				Arbitraries.strings()
					.withCharRange('\u0000', '\u00ff')
					.ofMaxLength(6)
					.map(DEFAULTS::writeValueAsString),
				Arbitraries.strings()
					.withChars("0123456789abcdefABCDEFgG\\u")
					.ofMaxLength(10)
					.map((s) -> "\"\\u" + s + "\""));
	}

	private Arbitrary<String> whitespace() {
		return Arbitraries.of("", "", " ", "\n", "\t", "\r\n", "  ", "\u000b", "\f");
	}

}
