package io.github.cloudrunmcp.observation;

import java.util.concurrent.TimeoutException;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;

/**
 * The observation {@code mcp.client.operation} of every MCP request, named and keyed
 * after OpenTelemetry's semantic conventions for MCP.
 *
 * <p>
 * Low-cardinality keys (on the timer too): {@code mcp.method.name}, {@code mcp.server}
 * (the configured server's name), {@code mcp.protocol.version}, {@code gen_ai.tool.name},
 * {@code gen_ai.prompt.name}, {@code error.type} (the JSON-RPC error code, or the
 * exception's simple class name, or {@code none}) and {@code outcome} ({@code SUCCESS},
 * {@code ERROR}); every key is always present, with {@code none} where it does not apply,
 * as Prometheus wants. High-cardinality keys (spans only): {@code mcp.request.id},
 * {@code mcp.session.id}, {@code mcp.resource.uri}. The contextual name is the method and
 * its target, as {@code tools/call echo}.
 */
public class DefaultMcpClientObservationConvention implements McpClientObservationConvention {

	/** Name of the observation and of its timer. */
	public static final String NAME = "mcp.client.operation";

	private static final String NONE = "none";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(McpClientObservationContext context) {
		String target = target(context);
		return (target != null) ? context.getMethod() + " " + target : context.getMethod();
	}

	private static @Nullable String target(McpClientObservationContext context) {
		return switch (context.getMethod()) {
			case McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_PROMPT_GET -> context.getParam("name");
			default -> null;
		};
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(McpClientObservationContext context) {
		String method = context.getMethod();
		String tool = McpSchema.METHOD_TOOLS_CALL.equals(method) ? context.getParam("name") : null;
		String prompt = McpSchema.METHOD_PROMPT_GET.equals(method) ? context.getParam("name") : null;
		String version = context.getProtocolVersion();
		String errorType = errorType(context);
		return KeyValues.of(KeyValue.of("mcp.method.name", method), KeyValue.of("mcp.server", context.getServer()),
				KeyValue.of("mcp.protocol.version", (version != null) ? version : NONE),
				KeyValue.of("gen_ai.tool.name", (tool != null) ? tool : NONE),
				KeyValue.of("gen_ai.prompt.name", (prompt != null) ? prompt : NONE),
				KeyValue.of("error.type", (errorType != null) ? errorType : NONE),
				KeyValue.of("outcome", (errorType != null) ? "ERROR" : "SUCCESS"));
	}

	private static @Nullable String errorType(McpClientObservationContext context) {
		McpSchema.JSONRPCResponse response = context.getResponse();
		if (response != null && response.error() != null) {
			Integer code = response.error().code();
			return (code != null) ? String.valueOf(code) : "error";
		}
		Throwable error = context.getError();
		if (error != null) {
			return (error instanceof TimeoutException) ? "timeout" : error.getClass().getSimpleName();
		}
		return null;
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(McpClientObservationContext context) {
		KeyValues values = KeyValues.of(KeyValue.of("mcp.request.id", String.valueOf(context.getRequest().id())));
		String sessionId = context.getSessionId();
		if (sessionId != null) {
			values = values.and("mcp.session.id", sessionId);
		}
		String uri = context.getParam("uri");
		if (uri != null) {
			values = values.and("mcp.resource.uri", uri);
		}
		return values;
	}

}
