package io.github.cloudrunmcp.springai;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import io.github.cloudrunmcp.protocol.McpOperations;
import io.github.cloudrunmcp.protocol.McpToolLists;
import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.spec.McpSchema;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.ObjectMapper;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;

/**
 * The tools of every configured MCP server, either revision, as Spring AI tool callbacks
 * ({@link McpToolCallback}), for a {@code ChatClient}'s {@code toolCallbacks(...)} or any
 * other consumer of {@link ToolCallbackProvider} beans.
 *
 * <p>
 * A server's tool list comes from {@link McpToolLists}: fetched when first asked for and
 * kept until the server says that it changed ({@code notifications/tools/list_changed},
 * in either revision) or its listen stream was reopened. A tool keeps its name unless two
 * servers have a tool of that name: then each of those is named {@code <server>_<tool>}.
 * A server that cannot list its tools is left out, with a warning, until the next time
 * the tools are asked for. {@link #getToolCallbacks()} blocks while it fetches lists;
 * call it from an ordinary thread.
 */
public final class McpToolCallbackProvider implements ToolCallbackProvider {

	private static final Log logger = LogFactory.getLog(McpToolCallbackProvider.class);

	private final Supplier<List<McpOperations>> operations;

	private final ObjectMapper mapper;

	private final Duration timeout;

	private final McpToolLists toolLists;

	/**
	 * Create a provider.
	 * @param operations the operations of every server, asked each time the tools are
	 * @param toolLists the tool lists kept of the servers
	 * @param mapper the mapper for arguments, results and schemas
	 * @param timeout how long listing tools and calling one may take
	 */
	public McpToolCallbackProvider(Supplier<List<McpOperations>> operations, McpToolLists toolLists,
			ObjectMapper mapper, Duration timeout) {
		this.operations = Objects.requireNonNull(operations, "operations");
		this.toolLists = Objects.requireNonNull(toolLists, "toolLists");
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.timeout = Objects.requireNonNull(timeout, "timeout");
	}

	@Override
	public ToolCallback[] getToolCallbacks() {
		Map<McpOperations, List<McpSchema.Tool>> listed = new LinkedHashMap<>();
		Map<String, Integer> owners = new HashMap<>();
		for (McpOperations server : this.operations.get()) {
			List<McpSchema.Tool> serverTools = tools(server);
			listed.put(server, serverTools);
			serverTools.forEach((tool) -> owners.merge(tool.name(), 1, Integer::sum));
		}
		List<ToolCallback> callbacks = new ArrayList<>();
		listed.forEach((server, serverTools) -> {
			for (McpSchema.Tool tool : serverTools) {
				boolean shared = owners.getOrDefault(tool.name(), 1) > 1;
				String name = shared ? server.server() + "_" + tool.name() : tool.name();
				callbacks.add(new McpToolCallback(server, tool, name, this.mapper, this.timeout));
			}
		});
		return callbacks.toArray(ToolCallback[]::new);
	}

	private List<McpSchema.Tool> tools(McpOperations server) {
		try {
			List<McpSchema.Tool> listed = this.toolLists.tools(server).block(this.timeout);
			return (listed != null) ? listed : List.of();
		}
		catch (RuntimeException ex) {
			logger.warn("Tools of MCP server '" + server.server() + "' left out of the Spring AI tool callbacks: "
					+ PrintableText.of(ex.getMessage()));
			return List.of();
		}
	}

}
