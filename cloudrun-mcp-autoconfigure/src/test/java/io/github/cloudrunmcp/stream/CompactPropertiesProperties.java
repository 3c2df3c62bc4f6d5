package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link CompactProperties} behaves as the {@code LinkedHashMap} that Jackson's own
 * objects keep, under any sequence of operations, on either side of the point where it
 * spills into one; and the objects {@link PlainJsonTreeReader} builds with it behave as
 * Jackson's do.
 */
class CompactPropertiesProperties {

	private static final ObjectMapper MAPPER = JsonMapper.builder().build();

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	@Property(tries = 2000)
	void anySequenceOfOperationsMatchesALinkedHashMap(@ForAll("operations") List<int[]> operations) {
		CompactProperties compact = new CompactProperties();
		Map<String, JsonNode> expected = new LinkedHashMap<>();
		for (int[] operation : operations) {
			String key = "k" + operation[1];
			JsonNode value = NODES.numberNode(operation[2]);
			switch (operation[0]) {
				case 0, 1, 2 -> assertThat(compact.put(key, value)).isEqualTo(expected.put(key, value));
				case 3 -> assertThat(compact.remove(key)).isEqualTo(expected.remove(key));
				case 4 -> {
					assertThat(compact.get(key)).isEqualTo(expected.get(key));
					assertThat(compact.containsKey(key)).isEqualTo(expected.containsKey(key));
				}
				case 5 -> removeThroughIterators(compact, expected, key);
				case 6 -> setThroughEntries(compact, expected, key, value);
				default -> {
					if (operation[2] % 10 == 0) {
						compact.clear();
						expected.clear();
					}
				}
			}
			assertSameMap(compact, expected);
		}
	}

	@Example
	void anObjectOfTheReaderBehavesAsJacksonsOwn() {
		StringBuilder members = new StringBuilder();
		for (int i = 0; i < 3 * CompactProperties.MAX_INLINE; i++) {
			String document = "{" + members + "}";
			ObjectNode ours = (ObjectNode) PlainJsonTreeReader.of(MAPPER).read(bytes(document));
			ObjectNode jacksons = (ObjectNode) MAPPER.readTree(document);
			assertThat(ours).isEqualTo(jacksons);
			assertThat(jacksons).isEqualTo(ours);
			assertThat(ours.hashCode()).isEqualTo(jacksons.hashCode());
			assertThat(MAPPER.writeValueAsString(ours)).isEqualTo(MAPPER.writeValueAsString(jacksons));
			assertThat(ours.deepCopy()).isEqualTo(jacksons);
			ours.put("added", true);
			jacksons.put("added", true);
			ours.remove("k0");
			jacksons.remove("k0");
			ours.retain("k1", "k3", "added");
			jacksons.retain("k1", "k3", "added");
			assertThat(ours.propertyNames()).containsExactlyElementsOf(jacksons.propertyNames());
			assertThat(ours.toString()).isEqualTo(jacksons.toString());
			members.append((i > 0) ? "," : "").append("\"k").append(i).append("\":").append(i);
		}
	}

	@Example
	void iteratorsFailFastOnChangesAroundThem() {
		CompactProperties compact = new CompactProperties();
		compact.put("a", NODES.numberNode(1));
		compact.put("b", NODES.numberNode(2));
		Iterator<Map.Entry<String, JsonNode>> entries = compact.entrySet().iterator();
		entries.next();
		compact.put("c", NODES.numberNode(3));
		assertThatExceptionOfType(ConcurrentModificationException.class).isThrownBy(entries::next);
		Iterator<String> names = compact.keySet().iterator();
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(names::remove);
	}

	private static void removeThroughIterators(CompactProperties compact, Map<String, JsonNode> expected, String key) {
		compact.keySet().removeIf(key::equals);
		expected.keySet().removeIf(key::equals);
	}

	private static void setThroughEntries(CompactProperties compact, Map<String, JsonNode> expected, String key,
			JsonNode value) {
		for (Map.Entry<String, JsonNode> entry : compact.entrySet()) {
			if (entry.getKey().equals(key)) {
				assertThat(entry.setValue(value)).isEqualTo(expected.get(key));
			}
		}
		expected.replace(key, value);
	}

	private static void assertSameMap(CompactProperties compact, Map<String, JsonNode> expected) {
		assertThat(compact.size()).isEqualTo(expected.size());
		assertThat(compact.isEmpty()).isEqualTo(expected.isEmpty());
		assertThat(new ArrayList<>(compact.entrySet())).containsExactlyElementsOf(expected.entrySet());
		assertThat(new ArrayList<>(compact.values())).containsExactlyElementsOf(expected.values());
		assertThat(compact).isEqualTo(expected);
		assertThat(expected).isEqualTo(compact);
		assertThat(compact.hashCode()).isEqualTo(expected.hashCode());
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	@Provide
	Arbitrary<List<int[]>> operations() {
		Arbitrary<int[]> operation = Arbitraries.integers()
			.between(0, 7)
			.flatMap((kind) -> Arbitraries.integers()
				.between(0, 2 * CompactProperties.MAX_INLINE)
				.flatMap(
						(key) -> Arbitraries.integers().between(0, 99).map((value) -> new int[] { kind, key, value })));
		return operation.list().ofMaxSize(60);
	}

}
