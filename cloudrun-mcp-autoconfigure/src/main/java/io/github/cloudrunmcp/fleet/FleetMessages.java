package io.github.cloudrunmcp.fleet;

import java.util.UUID;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import io.github.cloudrunmcp.stream.McpEvent;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.ObjectMapper;

/**
 * The Pub/Sub form of an event: its data as the message's data, its server as the
 * ordering key, its server, ID and types as attributes.
 */
final class FleetMessages {

	static final String SERVER = "server";

	static final String ID = "id";

	static final String TYPE = "type";

	static final String SSE_TYPE = "sse-type";

	static final String JSON_RPC = "json-rpc";

	private FleetMessages() {
	}

	static PubsubMessage toMessage(McpEvent event, String id) {
		PubsubMessage.Builder message = PubsubMessage.newBuilder()
			.setData(ByteString.copyFromUtf8(event.data()))
			.setOrderingKey(event.server())
			.putAttributes(SERVER, event.server())
			.putAttributes(ID, id)
			.putAttributes(TYPE, event.type())
			.putAttributes(SSE_TYPE, event.sseType());
		if (event.isJsonRpc()) {
			message.putAttributes(JSON_RPC, "true");
		}
		return message.build();
	}

	/**
	 * Return the ID an event is published under: its own, or a random one for an event
	 * without ID (which then cannot be told from a copy published by another holder).
	 */
	static String idOf(McpEvent event) {
		String id = event.id();
		return (id != null && !id.isEmpty()) ? id : "random-" + UUID.randomUUID();
	}

	static @Nullable McpEvent toEvent(PubsubMessage message, ObjectMapper mapper) {
		String server = message.getAttributesOrDefault(SERVER, "");
		String id = message.getAttributesOrDefault(ID, "");
		if (server.isEmpty() || id.isEmpty()) {
			return null;
		}
		String data = message.getData().toStringUtf8();
		if ("true".equals(message.getAttributesOrDefault(JSON_RPC, ""))) {
			return McpEvent.ofJsonRpc(server, id, data, mapper);
		}
		return new McpEvent(server, id, message.getAttributesOrDefault(SSE_TYPE, McpEvent.DEFAULT_TYPE), data, mapper);
	}

}
