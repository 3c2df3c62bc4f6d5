package io.github.cloudrunmcp.protocol;

import java.util.ArrayList;
import java.util.List;

import io.github.cloudrunmcp.stream.McpEvent;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class EventBacklogTests {

	private static McpEvent event(int bytes) {
		return McpEvent.ofJsonRpc("s", null, "x".repeat(bytes), JsonMapper.builder().build());
	}

	@Test
	void largeEventsAreBoundedByBytesNotOnlyByCount() {
		EventBacklog backlog = new EventBacklog(4096, 3 * 1024 * 1024);
		List<McpEvent> received = new ArrayList<>();
		BaseSubscriber<McpEvent> stalled = new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				// No demand: a listener that does not keep up.
			}

			@Override
			protected void hookOnNext(McpEvent value) {
				received.add(value);
			}

		};
		backlog.events().subscribe(stalled);
		int accepted = 0;
		for (int i = 0; i < 100; i++) {
			if (backlog.offer(event(1024 * 1024))) {
				accepted++;
			}
		}
		// 3 MiB wait, not 100 MiB.
		assertThat(accepted).isEqualTo(3);
		assertThat(backlog.dropped()).isEqualTo(97);
		assertThat(backlog.queuedBytes()).isEqualTo(3 * 1024 * 1024);
		// What the listener takes makes room again.
		stalled.request(3);
		assertThat(received).hasSize(3);
		assertThat(backlog.queuedBytes()).isZero();
		assertThat(backlog.offer(event(1024 * 1024))).isTrue();
		stalled.dispose();
	}

	@Test
	void oneEventLargerThanTheBoundStillPassesWhenNothingWaits() {
		EventBacklog backlog = new EventBacklog(16, 1024);
		backlog.events().subscribe();
		assertThat(backlog.offer(event(4096))).isTrue();
		assertThat(backlog.dropped()).isZero();
	}

}
