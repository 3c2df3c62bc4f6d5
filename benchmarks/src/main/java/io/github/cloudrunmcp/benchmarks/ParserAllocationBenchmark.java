package io.github.cloudrunmcp.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.cloudrunmcp.sse.SseEventParser;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.SseEvent;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cost and allocation per event of turning network bytes into {@link McpEvent}s: the
 * parser alone, and the parser creating the events the stream hands out. Run with
 * {@code -prof gc} to read {@code gc.alloc.rate.norm}, the bytes allocated per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ParserAllocationBenchmark {

	private static final int EVENTS = 100;

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private byte[] chunk;

	@Setup
	public void setUp() {
		StringBuilder text = new StringBuilder();
		for (int i = 1; i <= EVENTS; i++) {
			text.append("id: ")
				.append(1_000_000 + i)
				.append("\ndata: {\"event\":\"model.response\",\"content\":\"token ")
				.append(i)
				.append("\",\"index\":")
				.append(i)
				.append(",\"done\":false}\n\n");
		}
		this.chunk = text.toString().getBytes(StandardCharsets.UTF_8);
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void parseOnly(Blackhole blackhole) {
		parse((id, type, data) -> blackhole.consume(data));
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void parseToMcpEvents(Blackhole blackhole) {
		parse(new BytesListener((event) -> blackhole.consume(new McpEvent("bench", event, MAPPER))));
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void parseToMcpEventsAndType(Blackhole blackhole) {
		parse(new BytesListener((event) -> blackhole.consume(new McpEvent("bench", event, MAPPER).type())));
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void parseToMcpEventsAndJson(Blackhole blackhole) {
		parse(new BytesListener((event) -> blackhole.consume(new McpEvent("bench", event, MAPPER).json())));
	}

	/**
	 * The events' data decoded to text first, as before events kept their bytes: the
	 * text's JSON access, for comparison with {@link #parseToMcpEventsAndJson}.
	 */
	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void parseToTextMcpEventsAndJson(Blackhole blackhole) {
		parse((id, type, data) -> blackhole.consume(new McpEvent("bench", id, type, data, MAPPER).json()));
	}

	/**
	 * Makes events the way the stream engine does: the data's bytes copied out of the
	 * parser, not decoded.
	 */
	private record BytesListener(Consumer<SseEvent> events) implements SseEventParser.Listener {

		@Override
		public void onEvent(@Nullable String id, String type, String data) {
			this.events.accept(new SseEvent(id, id != null, type, data));
		}

		@Override
		public void onEvent(@Nullable String id, String type, byte[] data, int offset, int length) {
			this.events
				.accept(SseEvent.ofUtf8(id, id != null, type, Arrays.copyOfRange(data, offset, offset + length)));
		}

	}

	private void parse(SseEventParser.Listener listener) {
		new SseEventParser(1 << 20, "", listener).feed(this.chunk, 0, this.chunk.length);
	}

}
