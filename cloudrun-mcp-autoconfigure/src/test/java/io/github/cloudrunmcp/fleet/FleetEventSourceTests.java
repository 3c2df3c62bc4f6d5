package io.github.cloudrunmcp.fleet;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.OverflowPolicy;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The source of a server's events in {@code once} delivery, under its stream's overflow
 * policy.
 */
class FleetEventSourceTests {

	@Test
	void anEventTheOverflowPolicyDropsIsHandedBackRatherThanLeftUnsettled() throws Exception {
		FleetEventSource source = new FleetEventSource("default", 100);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<String> handled = new CopyOnWriteArrayList<>();
		StreamSettings defaults = StreamSettings.defaults();
		StreamSettings settings = new StreamSettings(1, OverflowPolicy.DROP_LATEST, defaults.maxEventSize(),
				defaults.readTimeout(), defaults.shutdownGrace(), defaults.reconnect());
		McpEventStream stream = new McpEventStream("default", URI.create("http://127.0.0.1/events"), source, settings,
				JsonMapper.builder().build(), source.settling((event) -> {
					started.countDown();
					try {
						release.await(30, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					handled.add(event.id());
				}));
		stream.start();
		try {
			Map<String, Boolean> settled = new ConcurrentHashMap<>();
			assertThat(offer(source, "1", settled)).isTrue();
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			// The listener runs event 1: the buffer takes one more, the rest overflow.
			for (int id = 2; id <= 20; id++) {
				assertThat(offer(source, String.valueOf(id), settled)).isTrue();
			}
			release.countDown();
			await().atMost(Duration.ofSeconds(30)).until(() -> settled.size() == 20);
			assertThat(stream.stats().dropped()).isPositive();
			assertThat(settled.values().stream().filter((ok) -> !ok).count()).isEqualTo(stream.stats().dropped());
			assertThat(settled.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey))
				.containsExactlyInAnyOrderElementsOf(handled);
		}
		finally {
			stream.stop();
		}
	}

	private static boolean offer(FleetEventSource source, String id, Map<String, Boolean> settled) {
		McpEvent event = new McpEvent("default", id, "message", "{\"n\":" + id + "}", JsonMapper.builder().build());
		return source.offer(event, (handled) -> settled.put(id, handled));
	}

}
