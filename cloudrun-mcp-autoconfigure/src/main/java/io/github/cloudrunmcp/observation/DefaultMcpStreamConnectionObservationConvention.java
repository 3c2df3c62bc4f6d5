package io.github.cloudrunmcp.observation;

import java.util.Locale;

import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

/**
 * The observation {@code mcp.stream.connection} of every connection of an event stream,
 * from the attempt to connect until the connection ends: its duration is how long the
 * connection lasted (or how long the attempt took to fail).
 *
 * <p>
 * Low-cardinality keys (on the timer too): {@code mcp.server}, {@code server.address}
 * (the stream's host), {@code mcp.stream.opened} ({@code true} when the server answered
 * with an event stream), {@code mcp.stream.end} (the stream's state afterwards:
 * {@code reconnecting}, {@code closed}, {@code failed}) and {@code error.type} (why the
 * connection ended, the exception's simple class name, or {@code none}). The span has an
 * event {@code mcp.stream.opened} when the connection opened.
 */
public class DefaultMcpStreamConnectionObservationConvention implements McpStreamConnectionObservationConvention {

	/** Name of the observation and of its timer. */
	public static final String NAME = "mcp.stream.connection";

	private static final String NONE = "none";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(McpStreamConnectionObservationContext context) {
		return "stream " + context.getServer();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(McpStreamConnectionObservationContext context) {
		McpStreamStatus.State end = context.getEnd();
		Throwable error = context.getError();
		String host = context.getUrl().getHost();
		return KeyValues.of(KeyValue.of("mcp.server", context.getServer()),
				KeyValue.of("server.address", (host != null) ? host : NONE),
				KeyValue.of("mcp.stream.opened", String.valueOf(context.isOpened())),
				KeyValue.of("mcp.stream.end", (end != null) ? end.name().toLowerCase(Locale.ROOT) : NONE),
				KeyValue.of("error.type", (error != null) ? error.getClass().getSimpleName() : NONE));
	}

}
