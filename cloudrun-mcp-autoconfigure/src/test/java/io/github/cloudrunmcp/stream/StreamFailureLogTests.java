package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.cloudrunmcp.stream.ScriptedSseServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stream whose server fails again and again logs the first failures at INFO, then
 * warnings saying since when, and one INFO line when it connects again; server text in
 * those lines is escaped.
 */
@ExtendWith(OutputCaptureExtension.class)
class StreamFailureLogTests {

	@Test
	void repeatedConnectFailuresEscalateToWarnAndRecoveryIsOneInfoLine(CapturedOutput output) {
		AtomicInteger requests = new AtomicInteger();
		try (ScriptedSseServer server = new ScriptedSseServer((request) -> (requests.incrementAndGet() <= 6)
				? new Reply(503, Map.of("Content-Type", "text/plain"), "down\u001b[31m for maintenance")
				: Reply.events("id: 1\ndata: {}\n\n"))) {
			StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(30),
					Duration.ofSeconds(5),
					new StreamSettings.Reconnect(Duration.ofMillis(10), Duration.ofMillis(20), 2.0, 0.0, 0),
					Duration.ofSeconds(5));
			Disposable subscription = ReconnectingEventStream.builder(WebClient.create(), settings)
				.name("flaky")
				.request(SseRequest.get(URI.create(server.url())))
				.build()
				.events()
				.subscribe((event) -> {
				}, (ex) -> {
				});
			try {
				await().atMost(Duration.ofSeconds(20))
					.until(() -> output.getOut().contains("Stream 'flaky' delivers events again after failing for"));
			}
			finally {
				subscription.dispose();
			}
		}
		List<String> lines = output.getOut().lines().filter((line) -> line.contains("Stream 'flaky'")).toList();
		List<String> failures = lines.stream().filter((line) -> line.contains("connection ended")).toList();
		assertThat(failures).hasSizeGreaterThanOrEqualTo(4);
		assertThat(failures.subList(0, 3)).allSatisfy(
				(line) -> assertThat(line).contains(" INFO ").contains("(attempt ").doesNotContain("failing since"));
		assertThat(failures.get(3)).contains(" WARN ")
			.containsPattern("failing since \\d\\d:\\d\\d:\\d\\d \\(4 attempts\\)");
		assertThat(lines).filteredOn((line) -> line.contains("delivers events again after failing for"))
			.singleElement()
			.satisfies((line) -> assertThat(line).contains(" INFO ").contains("(6 failed attempts)"));
		assertThat(output.getOut()).doesNotContain("\u001b");
	}

	@Test
	void aServerThatAnswersAndEndsBeforeAnyEventEscalatesToWarn(CapturedOutput output) {
		AtomicInteger requests = new AtomicInteger();
		// Headers, then the end of an empty body: open for a moment, never working.
		try (ScriptedSseServer server = new ScriptedSseServer((request) -> (requests.incrementAndGet() <= 6)
				? Reply.events("") : Reply.events("id: 1\ndata: {}\n\n"))) {
			StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(30),
					Duration.ofSeconds(5),
					new StreamSettings.Reconnect(Duration.ofMillis(10), Duration.ofMillis(20), 2.0, 0.0, 0),
					Duration.ofSeconds(5));
			Disposable subscription = ReconnectingEventStream.builder(WebClient.create(), settings)
				.name("hollow")
				.request(SseRequest.get(URI.create(server.url())))
				.build()
				.events()
				.subscribe((event) -> {
				}, (ex) -> {
				});
			try {
				await().atMost(Duration.ofSeconds(20))
					.until(() -> output.getOut().contains("Stream 'hollow' delivers events again after failing for"));
			}
			finally {
				subscription.dispose();
			}
		}
		List<String> lines = output.getOut().lines().filter((line) -> line.contains("Stream 'hollow'")).toList();
		List<String> failures = lines.stream().filter((line) -> line.contains("connection ended")).toList();
		// The sixth at DEBUG: past the first three, WARN only at attempts 2^n past them.
		assertThat(failures).hasSize(5);
		assertThat(failures.subList(0, 3)).allSatisfy(
				(line) -> assertThat(line).contains(" INFO ").contains("connection ended before any event (attempt "));
		assertThat(failures.get(3)).contains(" WARN ")
			.containsPattern("failing since \\d\\d:\\d\\d:\\d\\d \\(4 attempts\\)");
		assertThat(lines).filteredOn((line) -> line.contains("delivers events again after failing for"))
			.singleElement()
			.satisfies((line) -> assertThat(line).contains("(6 failed attempts)"));
	}

}
