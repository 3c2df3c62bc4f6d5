package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpObservationAutoConfiguration;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleTracer;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 2026-07-28 server's requests observed like those of a 2025-11-25 one, with the trace
 * context carried into the server, and its liveness checked with {@code server/discover};
 * against the Java SDK's own 2026-07-28 server on loopback.
 */
class StatelessOperationsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final SimpleTracer tracer = new SimpleTracer();

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

	private JavaSdkStatelessServer server;

	@BeforeEach
	void start() throws Exception {
		this.server = JavaSdkStatelessServer.start();
		this.registry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(this.tracer, new W3cTraceContext()),
					new DefaultTracingObservationHandler(this.tracer)))
			.observationHandler(new ObservationHandler<>() {

				@Override
				public boolean supportsContext(Observation.Context context) {
					return true;
				}

				@Override
				public void onStop(Observation.Context context) {
					StatelessOperationsTests.this.stopped.add(context);
				}

			});
	}

	@AfterEach
	void stop() throws Exception {
		if (this.server != null) {
			this.server.close();
		}
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
					McpObservationAutoConfiguration.class, McpClientAutoConfiguration.class,
					WebClientAutoConfiguration.class, CodecsAutoConfiguration.class))
			.withBean(ObservationRegistry.class, () -> this.registry)
			.withPropertyValues("cloudrun.mcp.servers.modern.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.modern.transport=streamable-http",
					"cloudrun.mcp.servers.modern.revision=2026-07-28", "cloudrun.mcp.servers.modern.auth.mode=none",
					"cloudrun.mcp.stream.enabled=false", "cloudrun.mcp.client.liveness-interval=0");
	}

	@Test
	void requestsAreObservedAndCarryTheTraceIntoTheServer() {
		runner().run((context) -> {
			McpSyncClient client = context.getBean(McpSyncClient.class);
			Observation work = Observation.start("app.work", this.registry);
			String traceId;
			try (Observation.Scope scope = work.openScope()) {
				traceId = this.tracer.currentSpan().context().traceId();
				assertThat(client.tools().list().tools()).extracting(McpSchema.Tool::name).contains("echo");
			}
			finally {
				work.stop();
			}
			List<Observation.Context> operations = this.stopped.stream()
				.filter((c) -> "mcp.client.operation".equals(c.getName()))
				.toList();
			assertThat(operations).extracting(Observation.Context::getContextualName).contains("tools/list");
			Observation.Context list = operations.stream()
				.filter((c) -> "tools/list".equals(c.getContextualName()))
				.findFirst()
				.orElseThrow();
			assertThat(list.getLowCardinalityKeyValue("mcp.server").getValue()).isEqualTo("modern");
			assertThat(list.getLowCardinalityKeyValue("mcp.protocol.version").getValue()).isEqualTo("2026-07-28");
			assertThat(list.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("SUCCESS");
			Map<String, String> received = this.server.requests()
				.stream()
				.filter((headers) -> "tools/list".equals(headers.get("mcp-method")))
				.findFirst()
				.orElseThrow();
			assertThat(received.get("traceparent")).startsWith("00-" + traceId + "-");
			assertThat(this.tracer.getSpans()).anySatisfy((span) -> {
				assertThat(span.getName()).isEqualTo("tools/list");
				assertThat(span.getTraceId()).isEqualTo(traceId);
			});
		});
	}

	@Test
	void theLivenessProbeAsksWithDiscoverAndSeesTheOutage() {
		runner().withPropertyValues("cloudrun.mcp.client.liveness-interval=300ms").run((context) -> {
			McpLivenessProbe probe = context.getBean(McpLivenessProbe.class);
			assertThat(probe.checks("modern")).isTrue();
			await().atMost(TIMEOUT)
				.until(() -> probe.liveness("modern") != null && probe.liveness("modern").answered());
			assertThat(this.server.requests())
				.anySatisfy((headers) -> assertThat(headers.get("mcp-method")).isEqualTo("server/discover"));
			JavaSdkStatelessServer stopped = this.server;
			this.server = null;
			stopped.close();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> probe.liveness("modern") != null && !probe.liveness("modern").answered());
		});
	}

	/**
	 * W3C trace context in the shape the OpenTelemetry and Brave bridges write it; the
	 * test bridge has no propagator of its own.
	 */
	static final class W3cTraceContext implements Propagator {

		@Override
		public List<String> fields() {
			return List.of("traceparent");
		}

		@Override
		public <C> void inject(TraceContext context, C carrier, Setter<C> setter) {
			setter.set(carrier, "traceparent", "00-" + context.traceId() + "-" + context.spanId() + "-01");
		}

		@Override
		public <C> Span.Builder extract(C carrier, Getter<C> getter) {
			throw new UnsupportedOperationException("only injects");
		}

	}

}
