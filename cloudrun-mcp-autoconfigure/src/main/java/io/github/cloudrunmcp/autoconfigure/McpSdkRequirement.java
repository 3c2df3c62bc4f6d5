package io.github.cloudrunmcp.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpTransportType;

import org.springframework.util.ClassUtils;

/**
 * Fails start-up when a server speaks streamable-http and the MCP Java SDK is missing:
 * without it there would be no client and no stream for that server, and nothing would
 * say why.
 */
final class McpSdkRequirement implements McpServerBeans {

	static final String CORE_CLASS = "io.modelcontextprotocol.client.McpAsyncClient";

	static final String JSON_CLASS = "io.modelcontextprotocol.json.McpJsonDefaults";

	@Override
	public void register(McpServer server, McpServerBeanRegistry registry) {
		if (server.transport() != McpTransportType.STREAMABLE_HTTP) {
			return;
		}
		List<String> missing = new ArrayList<>();
		if (!ClassUtils.isPresent(CORE_CLASS, registry.classLoader())) {
			missing.add("io.modelcontextprotocol.sdk:mcp-core");
		}
		if (!ClassUtils.isPresent(JSON_CLASS, registry.classLoader())) {
			missing.add("io.modelcontextprotocol.sdk:mcp-json-jackson3");
		}
		if (missing.isEmpty()) {
			return;
		}
		String property = McpServer.DEFAULT_NAME.equals(server.name()) ? "cloudrun.mcp.transport"
				: "cloudrun.mcp.servers." + server.name() + ".transport";
		throw new McpSdkMissingException(property,
				"MCP server '" + server.name() + "' at " + server.baseUrl()
						+ " uses the streamable-http transport, which needs the MCP Java SDK, but "
						+ String.join(" and ", missing) + " " + ((missing.size() == 1) ? "is" : "are")
						+ " not on the classpath.",
				"Add " + String.join(" and ", missing) + " to the application's dependencies, or set " + property
						+ "=events if the server offers a plain event stream, or cloudrun.mcp.client.enabled=false "
						+ "if another MCP client talks to it.");
	}

}
