package io.github.cloudrunmcp.protocol;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.stream.McpEvent;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link McpAnswerNotifications}.
 */
class McpAnswerNotificationsTests {

	private final McpAnswerNotifications notifications = new McpAnswerNotifications("search", 2,
			JsonMapper.builder().build());

	@Test
	void notificationsArePublishedInOrderWithTheirMethodAsType() {
		List<String> received = new CopyOnWriteArrayList<>();
		this.notifications.events().subscribe((event) -> received.add(event.type() + " " + event.server()));
		this.notifications.received(progress(1));
		this.notifications.received(message());
		this.notifications.received(progress(2));
		assertThat(received).containsExactly("notifications/progress search", "notifications/message search",
				"notifications/progress search");
		assertThat(this.notifications.dropped()).isZero();
	}

	@Test
	void nothingIsKeptWhileNobodyListens() {
		this.notifications.received(progress(1));
		List<McpEvent> received = new CopyOnWriteArrayList<>();
		this.notifications.events().subscribe(received::add);
		assertThat(received).isEmpty();
		assertThat(this.notifications.dropped()).isZero();
	}

	@Test
	void aSlowSubscriberGetsTheBufferAndTheRestIsDroppedAndCounted() {
		List<String> received = new CopyOnWriteArrayList<>();
		Slow slow = new Slow(received);
		this.notifications.events().subscribe(slow);
		for (int i = 1; i <= 5; i++) {
			this.notifications.received(progress(i));
		}
		assertThat(received).isEmpty();
		assertThat(this.notifications.dropped()).isEqualTo(3);
		slow.request(5);
		assertThat(received).containsExactly("1", "2");
	}

	private static String progress(int progress) {
		return "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"t\","
				+ "\"progress\":" + progress + "}}";
	}

	private static String message() {
		return "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\","
				+ "\"data\":\"working\"}}";
	}

	private static final class Slow extends BaseSubscriber<McpEvent> {

		private final List<String> received;

		Slow(List<String> received) {
			this.received = received;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
		}

		@Override
		protected void hookOnNext(McpEvent event) {
			this.received.add(event.json().path("params").path("progress").asString());
		}

	}

}
