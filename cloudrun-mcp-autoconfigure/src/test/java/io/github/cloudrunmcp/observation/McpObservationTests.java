package io.github.cloudrunmcp.observation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpObservationAutoConfiguration;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleTracer;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Observations of MCP requests and the trace context they carry into a real server on
 * loopback.
 */
class McpObservationTests {

	private final SimpleTracer tracer = new SimpleTracer();

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

	private FakeMcpServer server;

	@BeforeEach
	void start() {
		this.server = new FakeMcpServer();
		this.server.on("tools/call",
				(request) -> "boom".equals(request.body().path("params").path("name").asString())
						? Reply.error(request.id(), -32602, "Unknown tool: boom")
						: Reply.result(request.id(), "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}"));
		this.server.start();
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
					McpObservationTests.this.stopped.add(context);
				}

			});
	}

	@AfterEach
	void stop() {
		this.server.stop();
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpObservationAutoConfiguration.class,
							McpClientAutoConfiguration.class, McpEventStreamAutoConfiguration.class,
							WebClientAutoConfiguration.class, CodecsAutoConfiguration.class))
			.withBean(ObservationRegistry.class, () -> this.registry)
			.withPropertyValues("cloudrun.mcp.servers.search.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.search.transport=streamable-http",
					"cloudrun.mcp.servers.search.revision=2025-11-25", "cloudrun.mcp.fail-fast=true",
					"cloudrun.mcp.client.initialize-timeout=30s", "cloudrun.mcp.client.liveness-interval=0");
	}

	@Test
	void everyRequestIsObservedWithTheSemanticConventionsKeys() {
		runner().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			client.callTool(McpSchema.CallToolRequest.builder("echo").arguments(Map.of()).build()).block();
			assertThatThrownBy(() -> client.callTool(McpSchema.CallToolRequest.builder("boom").build()).block())
				.hasMessageContaining("Unknown tool");
			TestObservationRegistryAssert.assertThat(this.registry)
				.hasNumberOfObservationsWithNameEqualTo("mcp.client.operation", 3);
			List<Observation.Context> contexts = this.stopped.stream()
				.filter((c) -> "mcp.client.operation".equals(c.getName()))
				.toList();
			assertThat(contexts).extracting(Observation.Context::getContextualName)
				.containsExactly("initialize", "tools/call echo", "tools/call boom");
			Observation.Context echo = contexts.get(1);
			assertThat(echo.getLowCardinalityKeyValue("mcp.method.name").getValue()).isEqualTo("tools/call");
			assertThat(echo.getLowCardinalityKeyValue("gen_ai.tool.name").getValue()).isEqualTo("echo");
			assertThat(echo.getLowCardinalityKeyValue("mcp.server").getValue()).isEqualTo("search");
			assertThat(echo.getLowCardinalityKeyValue("mcp.protocol.version").getValue()).isEqualTo("2025-11-25");
			assertThat(echo.getLowCardinalityKeyValue("error.type").getValue()).isEqualTo("none");
			assertThat(echo.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("SUCCESS");
			assertThat(echo.getHighCardinalityKeyValue("mcp.session.id").getValue()).isEqualTo("session-1");
			Observation.Context boom = contexts.get(2);
			assertThat(boom.getLowCardinalityKeyValue("error.type").getValue()).isEqualTo("-32602");
			assertThat(boom.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("ERROR");
			TestObservationRegistryAssert.assertThat(this.registry).doesNotHaveAnyRemainingCurrentObservation();
		});
	}

	@Test
	void traceStartedInTheAppReachesTheServer() {
		runner().run((context) -> {
			McpAsyncClient client = context.getBean(McpAsyncClient.class);
			Observation work = Observation.start("app.work", this.registry);
			String traceId;
			try (Observation.Scope scope = work.openScope()) {
				traceId = this.tracer.currentSpan().context().traceId();
				client.callTool(McpSchema.CallToolRequest.builder("echo").arguments(Map.of("q", "x")).build()).block();
			}
			finally {
				work.stop();
			}
			assertThat(traceId).isNotBlank();
			FakeMcpServer.Request call = this.server.requests("tools/call").get(0);
			String meta = call.body().path("params").path("_meta").path("traceparent").asString();
			assertThat(meta).startsWith("00-" + traceId + "-");
			assertThat(call.traceparent()).startsWith("00-" + traceId + "-");
			assertThat(call.body().path("params").path("arguments").path("q").asString()).isEqualTo("x");
			// The MCP request is a span of its own, a child of the application's.
			assertThat(this.tracer.getSpans()).anySatisfy((span) -> {
				assertThat(span.getName()).isEqualTo("tools/call echo");
				assertThat(span.getTraceId()).isEqualTo(traceId);
			});
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
