package io.github.cloudrunmcp.sample;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.github.cloudrunmcp.sample.LiveMetrics.Sample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LiveMetrics} reads the starter's meters as the starter and Spring Boot register
 * them.
 */
class LiveMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AtomicLong received = new AtomicLong();

	private final LiveMetrics metrics;

	LiveMetricsTests() {
		FunctionCounter.builder("mcp.stream.events.received", this.received, AtomicLong::get)
			.tag("mcp.server", "default")
			.register(this.registry);
		this.metrics = new LiveMetrics(this.registry);
		// Samples are taken by the test alone.
		this.metrics.destroy();
	}

	@AfterEach
	void close() {
		this.registry.close();
	}

	@Test
	void eventsPerSecondAreTheNewEventsOfEachSample() {
		this.received.addAndGet(12);
		this.metrics.sample();
		this.metrics.sample();
		assertThat(this.metrics.samples()).hasSize(2);
		assertThat(this.metrics.samples().get(0).eventsPerSecond()).isPositive();
		assertThat(this.metrics.samples().get(1).eventsPerSecond()).isZero();
	}

	@Test
	void reconnectsAreTheTotalOfEveryStream() {
		Counter.builder("mcp.stream.reconnects").tag("mcp.server", "a").register(this.registry).increment(2);
		Counter.builder("mcp.stream.reconnects").tag("mcp.server", "b").register(this.registry).increment();
		this.metrics.sample();
		assertThat(this.metrics.samples()).singleElement().extracting(Sample::reconnects).isEqualTo(3L);
	}

	@Test
	void latencyIsTheMeanOfTheToolCallsSinceTheSampleBefore() {
		Timer calls = Timer.builder("mcp.client.operation")
			.tag("mcp.method.name", "tools/call")
			.tag("error", "none")
			.register(this.registry);
		Timer lists = Timer.builder("mcp.client.operation")
			.tag("mcp.method.name", "tools/list")
			.tag("error", "none")
			.register(this.registry);
		calls.record(Duration.ofMillis(40));
		calls.record(Duration.ofMillis(60));
		lists.record(Duration.ofSeconds(5));
		this.metrics.sample();
		this.metrics.sample();
		calls.record(Duration.ofMillis(10));
		this.metrics.sample();
		assertThat(this.metrics.samples()).extracting(Sample::latencyMillis).containsExactly(50.0, null, 10.0);
		assertThat(this.metrics.samples()).extracting(Sample::toolCalls).containsExactly(2L, 2L, 3L);
	}

	@Test
	void keepsTheLastTwoMinutes() {
		for (int i = 0; i < 130; i++) {
			this.received.incrementAndGet();
			this.metrics.sample();
		}
		assertThat(this.metrics.samples()).hasSize(120);
	}

}
