package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * An event read from the network keeps its data as bytes and reads them with Jackson
 * directly; it must behave exactly as the event made from the decoded text.
 */
class McpEventBytesTests {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private static McpEvent fromBytes(byte[] data) {
		return new McpEvent("default", SseEvent.ofUtf8("7", true, "message", data.clone()), MAPPER, null);
	}

	private static McpEvent fromText(byte[] data) {
		return new McpEvent("default", "7", "message", new String(data, StandardCharsets.UTF_8), MAPPER);
	}

	private static byte[] bytes(int... values) {
		byte[] bytes = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			bytes[i] = (byte) values[i];
		}
		return bytes;
	}

	@Test
	void asciiJsonIsReadFromTheBytes() {
		McpEvent event = fromBytes(
				"{\"event\":\"model.response\",\"content\":\"42\",\"n\":1.5}".getBytes(StandardCharsets.US_ASCII));
		assertThat(event.type()).isEqualTo("model.response");
		assertThat(event.json().get("content").asString()).isEqualTo("42");
		assertThat(event.as(Map.class)).containsEntry("n", 1.5);
		assertThat(event.data()).isEqualTo("{\"event\":\"model.response\",\"content\":\"42\",\"n\":1.5}");
		assertThat(event.as(String.class)).isSameAs(event.data());
	}

	@Test
	void invalidUtf8BecomesReplacementCharactersAsInTheText() {
		// C3 28: a lead byte without its continuation; Jackson would reject the bytes.
		McpEvent event = fromBytes(bytes('{', '"', 'a', '"', ':', '"', 0xC3, '(', '"', '}'));
		assertThat(event.json().get("a").asString()).isEqualTo("\uFFFD(");
		assertThat(event.data()).isEqualTo("{\"a\":\"\uFFFD(\"}");
	}

	@Test
	void encodedSurrogatesBecomeReplacementCharactersAsInTheText() {
		byte[] data = bytes('{', '"', 'a', '"', ':', '"', 0xED, 0xA0, 0x80, '"', '}');
		assertThat(fromBytes(data).json()).isEqualTo(fromText(data).json());
		assertThat(fromBytes(data).json().get("a").asString()).doesNotContain("\uD800");
	}

	@Test
	void nulBytesAreNotTakenForUtf16() {
		// 00 7B 00 7D reads as UTF-16 "{}" to Jackson's encoding detection.
		byte[] data = bytes(0, '{', 0, '}');
		assertThatExceptionOfType(McpEventPayloadException.class).isThrownBy(() -> fromBytes(data).json())
			.withMessage(messageOf(fromText(data)));
	}

	@Test
	void badJsonFailsWithTheMessageOfTheText() {
		byte[] data = "{\"event\":\"x\",".getBytes(StandardCharsets.US_ASCII);
		assertThatExceptionOfType(McpEventPayloadException.class).isThrownBy(() -> fromBytes(data).json())
			.withMessage(messageOf(fromText(data)));
	}

	@Test
	void prefetchedTreeIsTheTreeJsonReturns() {
		SseEvent read = SseEvent.ofUtf8(null, false, "message", "{\"a\":[1,2]}".getBytes(StandardCharsets.US_ASCII));
		JsonNode tree = McpEvent.prefetchTree(read, MAPPER);
		assertThat(tree).isEqualTo(MAPPER.readTree("{\"a\":[1,2]}"));
		read.json(tree);
		McpEvent event = new McpEvent("default", read, MAPPER);
		assertThat(event.json()).isSameAs(tree);
	}

	@Test
	void prefetchOfBadJsonLeavesTheErrorToJson() {
		SseEvent read = SseEvent.ofUtf8(null, false, "message", "not json".getBytes(StandardCharsets.US_ASCII));
		assertThat(McpEvent.prefetchTree(read, MAPPER)).isNull();
		McpEvent event = new McpEvent("default", read, MAPPER);
		assertThatExceptionOfType(McpEventPayloadException.class).isThrownBy(event::json)
			.withMessageContaining("is not JSON");
	}

	@Test
	void prefetchRunsWhileConsumersAskForTreesAndAreBehind() {
		JsonPrefetch prefetch = new JsonPrefetch();
		List<McpEvent> events = new ArrayList<>();
		for (int i = 0; i < 4 * JsonPrefetch.WINDOW; i++) {
			events.add(new McpEvent("default", SseEvent.ofUtf8(null, false, "message", "{}".getBytes()), MAPPER,
					prefetch));
		}
		prefetch.handedOver(events.get(events.size() - 1).sequence());
		// Nobody asked for a tree yet.
		assertThat(prefetch.wanted()).isFalse();
		events.get(0).json();
		// Asked, and most of what was handed over still waits.
		for (int i = 0; i < 3 * JsonPrefetch.WINDOW; i++) {
			assertThat(prefetch.wanted()).isTrue();
			events.get(i).json();
		}
		// The consumers caught up to within the lead: their thread parses.
		events.get(events.size() - JsonPrefetch.LEAD).json();
		assertThat(prefetch.wanted()).isFalse();
		// Behind again, but nobody asked for a whole window: the network thread stops.
		events.add(new McpEvent("default", SseEvent.ofUtf8(null, false, "message", "{}".getBytes()), MAPPER, prefetch));
		prefetch.handedOver(events.get(events.size() - 1).sequence() + 2 * JsonPrefetch.LEAD);
		for (int i = 0; i < JsonPrefetch.WINDOW; i++) {
			prefetch.wanted();
		}
		assertThat(prefetch.wanted()).isFalse();
	}

	@Property(tries = 500)
	void anyBytesBehaveAsTheirText(@ForAll @Size(max = 200) byte[] data) {
		assertSameBehaviour(data);
	}

	@Property(tries = 500)
	void jsonShapedBytesBehaveAsTheirText(@ForAll @StringLength(max = 120) @Chars({ '{', '}', '[', ']', '"', '\\', ':',
			',', ' ', 'e', 'v', 'n', 't', '1', '.', '-', 'é', '\u0000', '\uFEFF', '\uD83D', '\uDE00' }) String json) {
		assertSameBehaviour(json.getBytes(StandardCharsets.UTF_8));
	}

	private static void assertSameBehaviour(byte[] data) {
		McpEvent bytes = fromBytes(data);
		McpEvent text = fromText(data);
		assertThat(bytes.type()).isEqualTo(text.type());
		assertThat(bytes.data()).isEqualTo(text.data());
		assertThat(outcome(() -> bytes.json())).isEqualTo(outcome(() -> text.json()));
		// Typed mapping without a tree reads the bytes too.
		assertThat(outcome(() -> fromBytes(data).as(Map.class))).isEqualTo(outcome(() -> fromText(data).as(Map.class)));
	}

	private static @Nullable String messageOf(McpEvent event) {
		try {
			Objects.requireNonNull(event.json());
			return null;
		}
		catch (McpEventPayloadException ex) {
			return ex.getMessage();
		}
	}

	private static Object outcome(Supplier<?> access) {
		try {
			return access.get();
		}
		catch (McpEventPayloadException ex) {
			return ex.getMessage();
		}
	}

}
