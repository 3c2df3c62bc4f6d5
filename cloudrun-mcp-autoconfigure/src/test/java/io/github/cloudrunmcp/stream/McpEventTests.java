package io.github.cloudrunmcp.stream;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class McpEventTests {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private static McpEvent event(String sseType, String data) {
		return new McpEvent("default", "7", sseType, data, MAPPER);
	}

	@Test
	void sseEventFieldWins() {
		assertThat(event("agent.reply", "{\"event\":\"model.response\"}").type()).isEqualTo("agent.reply");
	}

	@Test
	void jsonEventMemberTypesMessageEvents() {
		assertThat(event("message", "{\"event\":\"model.response\",\"content\":\"42\"}").type())
			.isEqualTo("model.response");
		assertThat(event("message", " {\n\"content\": {\"event\": \"nested\"}, \"event\" : \"outer\"}").type())
			.isEqualTo("outer");
	}

	@Test
	void jsonRpcMethodTypesNotifications() {
		assertThat(event("message", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}").type())
			.isEqualTo("notifications/progress");
		assertThat(event("message", "{\"method\":\"m\",\"event\":\"e\"}").type()).isEqualTo("e");
	}

	@Test
	void nestedOrNonStringMembersDoNotType() {
		assertThat(event("message", "{\"params\":{\"event\":\"inner\"},\"x\":[\"event\",1]}").type())
			.isEqualTo("message");
		assertThat(event("message", "{\"event\":42}").type()).isEqualTo("message");
		assertThat(event("message", "{\"event\":\"\"}").type()).isEqualTo("message");
		assertThat(event("message", "{\"a\":\"b\\\"\",\"event\":\"after-escape\"}").type()).isEqualTo("after-escape");
	}

	@Test
	void nonJsonIsMessage() {
		assertThat(event("message", "hello").type()).isEqualTo("message");
		assertThat(event("message", "[1,2]").type()).isEqualTo("message");
		assertThat(event("message", "{\"event\":").type()).isEqualTo("message");
		assertThat(event("message", "").type()).isEqualTo("message");
	}

	@Test
	void typedAccess() {
		McpEvent event = event("message", "{\"event\":\"model.response\",\"content\":\"42\"}");
		assertThat(event.json().get("content").asString()).isEqualTo("42");
		assertThat(event.as(JsonNode.class)).isSameAs(event.json());
		assertThat(event.as(String.class)).isEqualTo(event.data());
		assertThat(event.as(McpEvent.class)).isSameAs(event);
		assertThat(event.as(Response.class)).isEqualTo(new Response("model.response", "42"));
		assertThat(event.receivedAt()).isBeforeOrEqualTo(Instant.now());
		assertThat(event.server()).isEqualTo("default");
		assertThat(event.id()).isEqualTo("7");
	}

	@Test
	void badJsonIsAClearErrorWithoutThePayload() {
		McpEvent event = event("message", "not json secret-payload");
		assertThatExceptionOfType(McpEventPayloadException.class).isThrownBy(event::json)
			.withMessageContaining("id '7'")
			.withMessageContaining("server 'default'")
			.withMessageNotContaining("secret-payload");
		assertThatExceptionOfType(McpEventPayloadException.class)
			.isThrownBy(() -> event("message", "{\"content\":[]}").as(Response.class))
			.withMessageContaining(Response.class.getName());
		assertThat(event.toString()).doesNotContain("secret-payload");
	}

	@Test
	void serverTextInMessagesIsEscaped() {
		McpEvent event = new McpEvent("default", "7\nERROR forged", "evil\u001b[2J", "not json", MAPPER);
		assertThat(event.toString()).contains("id=7\\nERROR forged", "type=evil\\u001b[2J")
			.doesNotContain("\n", "\u001b");
		assertThatExceptionOfType(McpEventPayloadException.class).isThrownBy(() -> event.as(Response.class))
			.satisfies((ex) -> assertThat(ex.getMessage()).contains("id '7\\nERROR forged'")
				.doesNotContain("\n", "\u001b"));
	}

	record Response(String event, String content) {
	}

}
