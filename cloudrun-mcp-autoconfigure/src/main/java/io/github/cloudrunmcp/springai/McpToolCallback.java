package io.github.cloudrunmcp.springai;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import io.github.cloudrunmcp.protocol.McpOperations;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.DefaultToolDefinition;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.execution.ToolExecutionException;

/**
 * One tool of an MCP server as a Spring AI {@link ToolCallback}, called through the
 * server's {@link McpOperations}: with its ID token, on the revision negotiated with the
 * server, with the application's elicitation handlers answering input requests.
 *
 * <p>
 * The model's arguments (a JSON object) are passed on as they are; the answer is the
 * result's content as JSON, as Spring AI's own MCP tool callbacks give it. A result that
 * the server marks as an error, and a call that fails, throw a
 * {@link ToolExecutionException}, which Spring AI hands back to the model. {@link #call}
 * blocks: Spring AI calls tools from the thread that called the model, never from a Netty
 * or Reactor thread.
 */
public final class McpToolCallback implements ToolCallback {

	private static final TypeReference<Map<String, Object>> ARGUMENTS = new TypeReference<>() {
	};

	private final McpOperations operations;

	private final String tool;

	private final ToolDefinition definition;

	private final ObjectMapper mapper;

	private final Duration timeout;

	/**
	 * Create a callback.
	 * @param operations the operations of the tool's server
	 * @param tool the tool, as the server lists it
	 * @param name the name the model sees: the tool's own, or prefixed with the server's
	 * name where two servers have a tool of that name
	 * @param mapper the mapper for arguments and results
	 * @param timeout how long a call may take
	 */
	public McpToolCallback(McpOperations operations, McpSchema.Tool tool, String name, ObjectMapper mapper,
			Duration timeout) {
		this.operations = Objects.requireNonNull(operations, "operations");
		this.tool = tool.name();
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.timeout = Objects.requireNonNull(timeout, "timeout");
		// The schema goes to the model verbatim, as the server wrote it.
		this.definition = new DefaultToolDefinition(name, (tool.description() != null) ? tool.description() : "",
				mapper.writeValueAsString((tool.inputSchema() != null) ? tool.inputSchema() : Map.of()));
	}

	@Override
	public ToolDefinition getToolDefinition() {
		return this.definition;
	}

	/**
	 * Return the name of the server whose tool this is.
	 * @return the server's name
	 */
	public String server() {
		return this.operations.server();
	}

	@Override
	public String call(String toolInput) {
		Map<String, Object> arguments = arguments(toolInput);
		McpSchema.CallToolResult result;
		try {
			result = this.operations.callTool(this.tool, arguments).block(this.timeout);
		}
		catch (RuntimeException ex) {
			throw new ToolExecutionException(this.definition, ex);
		}
		if (result == null) {
			throw new ToolExecutionException(this.definition, new IllegalStateException(
					"MCP server '" + this.operations.server() + "' gave no result for tool '" + this.tool + "'"));
		}
		String content = this.mapper.writeValueAsString(result.content());
		if (Boolean.TRUE.equals(result.isError())) {
			throw new ToolExecutionException(this.definition, new IllegalStateException(content));
		}
		return content;
	}

	@Override
	public String call(String toolInput, @Nullable ToolContext toolContext) {
		// The context is the application's, not the server's: it is not sent.
		return call(toolInput);
	}

	private Map<String, Object> arguments(String toolInput) {
		if (toolInput == null || toolInput.isBlank()) {
			return Map.of();
		}
		try {
			Map<String, Object> arguments = this.mapper.readValue(toolInput, ARGUMENTS);
			return (arguments != null) ? arguments : Map.of();
		}
		catch (JacksonException ex) {
			throw new ToolExecutionException(this.definition, new IllegalArgumentException(
					"Arguments of tool '" + this.definition.name() + "' must be a JSON object: " + ex.getMessage(),
					ex));
		}
	}

	@Override
	public String toString() {
		return "McpToolCallback[" + this.operations.server() + "/" + this.tool + "]";
	}

}
