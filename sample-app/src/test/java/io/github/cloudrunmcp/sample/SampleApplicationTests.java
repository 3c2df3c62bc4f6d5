package io.github.cloudrunmcp.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.sample.local.LocalDemo;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.demo.interval-millis=300")
@AutoConfigureWebTestClient
@ExtendWith(OutputCaptureExtension.class)
class SampleApplicationTests {

	@Autowired
	private Environment environment;

	@Autowired
	private LocalDemo demo;

	@Autowired
	private McpEventStream stream;

	@Autowired
	private WebTestClient client;

	@Test
	void runsTheLocalDemoThroughTheRealTokenPath() {
		assertThat(this.environment.getActiveProfiles()).contains("local");
		await().atMost(Duration.ofSeconds(20)).until(() -> this.stream.stats().delivered() >= 12);
		assertThat(this.stream.status().state()).isEqualTo(McpStreamStatus.State.OPEN);
		// The demo server accepted the connection only with a valid ID token minted by
		// the
		// loopback metadata server through google-auth.
		assertThat(this.demo.eventServer().connections()).isNotEmpty()
			.allSatisfy((connection) -> assertThat(connection.verification()).isEqualTo("ok"));
	}

	/**
	 * The threads the library starts are named after it and their role
	 * ({@code cloudrun-mcp-dispatch-1}), so that a thread dump or a log line says whose
	 * they are: those whose first frame outside the JDK is the library's.
	 */
	@Test
	void libraryThreadsSayWhoseTheyAre() {
		await().atMost(Duration.ofSeconds(20)).until(() -> this.stream.stats().delivered() >= 1);
		Map<Thread, StackTraceElement[]> threads = Thread.getAllStackTraces();
		List<String> library = threads.entrySet()
			.stream()
			.filter((thread) -> startedByTheLibrary(thread.getValue()))
			.map((thread) -> thread.getKey().getName())
			.toList();
		assertThat(library).isNotEmpty()
			.allSatisfy((name) -> assertThat(name).matches("cloudrun-mcp-[a-z]+(-[a-z]+)*(-\\d+)?"));
		assertThat(threads.keySet()).extracting(Thread::getName).noneMatch((name) -> name.startsWith("mcp-"));
	}

	private static boolean startedByTheLibrary(StackTraceElement[] stack) {
		for (int i = stack.length - 1; i >= 0; i--) {
			String type = stack[i].getClassName();
			if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
				return type.startsWith("io.github.cloudrunmcp.") && !type.startsWith("io.github.cloudrunmcp.test.")
						&& !type.startsWith("io.github.cloudrunmcp.sample.");
			}
		}
		return false;
	}

	@Test
	void listenersReceiveEveryKindOfEvent(CapturedOutput output) {
		// The context may have started in an earlier test: wait for a whole conversation
		// from now.
		await().atMost(Duration.ofSeconds(20))
			.until(() -> output.getOut().contains("took more than 5 tokens")
					&& output.getOut().contains("context.create {\"event\":\"context.create\""));
		assertThat(output.getOut()).containsPattern("Conversation \\d+ answered: 'The answer is 42.'")
			.contains("(streamed: 'The answer to your question is 42.', 8 tokens)")
			.containsPattern("\\[default\\] #\\d+ model.response ");
	}

	@Test
	void statusEndpointCountsEventsByType() {
		await().atMost(Duration.ofSeconds(20)).until(() -> this.stream.stats().delivered() >= 12);
		Map<String, Object> status = this.client.get()
			.uri("/api/status")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
		assertThat(status).containsEntry("state", "OPEN").containsKey("byType");
		@SuppressWarnings("unchecked")
		Map<String, Object> byType = (Map<String, Object>) status.get("byType");
		assertThat(byType).containsKeys("context.create", "model.response", "agent.reply");
	}

	@Test
	void pageEndpointStreamsTheEvents() {
		List<ServerSentEvent<Map<String, Object>>> events = this.client.get()
			.uri("/api/events")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
			})
			.getResponseBody()
			.filter((event) -> "mcp".equals(event.event()))
			.take(6)
			.collectList()
			.block(Duration.ofSeconds(20));
		assertThat(events).hasSize(6).allSatisfy((event) -> {
			assertThat(event.id()).isNotBlank();
			assertThat(event.data()).containsKeys("server", "type", "data", "receivedAt");
		});
	}

	@Test
	@SuppressWarnings("unchecked")
	void dashboardEndpointChartsTheMetersAndTellsEachServersHealth() {
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			Map<String, Object> dashboard = this.client.get()
				.uri("/api/dashboard")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
				})
				.returnResult()
				.getResponseBody();
			assertThat(dashboard).containsEntry("intervalMillis", 1000);
			List<Map<String, Object>> samples = (List<Map<String, Object>>) dashboard.get("samples");
			// Read from mcp.stream.events.received: the demo sends a dozen events a
			// conversation.
			assertThat(samples).anySatisfy(
					(sample) -> assertThat(((Number) sample.get("eventsPerSecond")).doubleValue()).isPositive());
			assertThat(samples).allSatisfy((sample) -> assertThat(sample).containsKeys("at", "reconnects", "toolCalls")
				.containsEntry("latencyMillis", null));
			assertThat((List<Map<String, Object>>) dashboard.get("servers")).singleElement()
				.isEqualTo(Map.of("server", "default", "transport", "events", "health", "UP", "revision",
						"none (events only)"));
		});
	}

	@Test
	void localDemoShowsTheActuatorsMcpEndpointAndHealthDetails() {
		this.client.get()
			.uri("/actuator/mcp")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.servers.default.transport")
			.isEqualTo("events");
		this.client.get()
			.uri("/actuator/health/mcp")
			.exchange()
			.expectBody()
			.jsonPath("$.components.default.details.url")
			.isNotEmpty();
	}

	@Test
	void servesThePage() {
		this.client.get()
			.uri("/")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).contains("EventSource('/api/events')"));
	}

}
