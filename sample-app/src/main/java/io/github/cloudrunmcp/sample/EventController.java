package io.github.cloudrunmcp.sample;

import java.util.Map;

import io.github.cloudrunmcp.stream.McpEvent;
import reactor.core.publisher.Flux;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The page's API: the live events as Server-Sent Events, and the stream's status and
 * counts.
 */
@RestController
class EventController {

	private final EventFeed feed;

	EventController(EventFeed feed) {
		this.feed = feed;
	}

	@GetMapping(path = "/api/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<Map<String, Object>>> events() {
		Flux<ServerSentEvent<Map<String, Object>>> events = this.feed.events().map(this::toBrowser);
		Flux<ServerSentEvent<Map<String, Object>>> statuses = this.feed.statuses()
			.map((status) -> ServerSentEvent.<Map<String, Object>>builder()
				.event("status")
				.data(Map.of("state", status.state().name(), "text", status.toString(), "since",
						EventFeed.since(status)))
				.build());
		return Flux.merge(statuses, events);
	}

	@GetMapping("/api/status")
	Map<String, Object> status() {
		return this.feed.snapshot();
	}

	private ServerSentEvent<Map<String, Object>> toBrowser(McpEvent event) {
		return ServerSentEvent.<Map<String, Object>>builder()
			.id(event.id())
			.event("mcp")
			.data(Map.of("server", event.server(), "id", String.valueOf(event.id()), "type", event.type(), "data",
					event.data(), "receivedAt", event.receivedAt().toString()))
			.build();
	}

}
