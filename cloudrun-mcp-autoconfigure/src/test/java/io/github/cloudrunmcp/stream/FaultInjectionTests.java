package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FaultProxy;
import io.github.cloudrunmcp.test.FaultProxy.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code events} transport behind a {@link FaultProxy}: for every fault the first
 * connections meet (and a redirect chain and a redirect loop within the origin), the
 * stream resumes with {@code Last-Event-ID} and delivers every event once, in order.
 */
class FaultInjectionTests {

	private static final int EVENTS = 300;

	private FakeEventServer server;

	private FaultProxy proxy;

	private McpEventStream stream;

	@AfterEach
	void stop() {
		if (this.stream != null) {
			this.stream.stop();
		}
		this.proxy.stop();
		this.server.stop();
	}

	static Stream<Arguments> faults() {
		// Each event is about 40 bytes after about 100 bytes of headers: these counts end
		// inside an event.
		return Stream.of(Arguments.of("reset in the middle of an event", Fault.resetAfter(517)),
				Arguments.of("chunked body cut short", Fault.cutAfter(1234)),
				Arguments.of("half-open connection", Fault.halfOpenAfter(777)),
				Arguments.of("black hole", Fault.blackHole()),
				Arguments.of("headers that never come", Fault.headersNeverCome()),
				Arguments.of("latency", Fault.latency(Duration.ofMillis(30))),
				Arguments.of("bandwidth limit", Fault.bandwidth(8000)),
				Arguments.of("redirect chain", Fault.redirect(307, "/events")),
				Arguments.of("redirect loop", Fault.redirect(302, "/events")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("faults")
	void noEventLostDuplicatedOrReordered(String name, Fault fault) {
		this.server = new FakeEventServer().start();
		URI origin = URI.create(this.server.origin());
		this.proxy = FaultProxy.to(origin.getHost(), origin.getPort()).start();
		if (name.equals("redirect loop")) {
			// Every connection is redirected back to the proxy until the loop is ended
			// below: the client gives up after 50 hops, and the stream retries.
			this.proxy.always(fault);
		}
		else if (name.equals("redirect chain")) {
			this.proxy.next(fault).next(Fault.redirect(308, "/events")).next(Fault.redirect(301, "/events"));
		}
		else {
			// The first three connections meet the fault, the fourth passes through.
			this.proxy.next(fault).next(fault).next(fault);
		}
		this.server.publishNumbered(EVENTS / 2);
		// Short timeouts so that silent connections are given up within a test.
		StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(1),
				Duration.ofSeconds(5),
				new StreamSettings.Reconnect(Duration.ofMillis(20), Duration.ofMillis(200), 2.0, 0.0, 0),
				Duration.ofSeconds(1));
		List<McpEvent> received = new CopyOnWriteArrayList<>();
		// A client that follows redirects, as Spring Boot's is.
		WebClient client = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create().followRedirect(true)))
			.build();
		this.stream = new McpEventStream("default", URI.create(this.proxy.origin() + "/events"), client, settings,
				JsonMapper.builder().build(), received::add);
		this.stream.start();
		if (name.equals("redirect loop")) {
			await().atMost(Duration.ofSeconds(30)).until(() -> this.proxy.connections() >= 120);
			assertThat(this.stream.status().state()).as("a loop may end: the stream keeps trying")
				.isNotEqualTo(McpStreamStatus.State.FAILED);
			this.proxy.always(Fault.none());
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= EVENTS / 2);
		this.server.publishNumbered(EVENTS / 2);
		await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= EVENTS);
		List<Integer> seqs = received.stream().map((event) -> event.json().get("seq").asInt()).toList();
		assertThat(seqs).as("%s: events in arrival order", name)
			.containsExactlyElementsOf(IntStream.rangeClosed(1, EVENTS).boxed().toList());
		if (!name.equals("latency") && !name.equals("bandwidth limit")) {
			// The fault really ended the first three connections.
			assertThat(this.proxy.connections()).as(name).isGreaterThanOrEqualTo(4);
		}
	}

}
