package io.github.cloudrunmcp.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpServer;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/**
 * The MCP Java SDK's own 2026-07-28 server (its {@code HttpServletMcpTransport}) in an
 * embedded Tomcat on loopback, with one tool, {@code echo}, that answers at once: the
 * server both clients of {@link ToolCallBenchmark} call.
 */
final class StatelessToolServer implements AutoCloseable {

	private static final McpSchema.Tool ECHO = McpSchema.Tool
		.builder("echo", Map.of("type", "object", "properties", Map.of("message", Map.of("type", "string")), "required",
				List.of("message")))
		.description("Echoes the message")
		.build();

	private final Tomcat tomcat;

	private final HttpServletMcpTransport transport;

	private StatelessToolServer(Tomcat tomcat, HttpServletMcpTransport transport) {
		this.tomcat = tomcat;
		this.transport = transport;
	}

	static StatelessToolServer start() throws IOException, LifecycleException {
		McpServer server = McpServer.builder()
			.serverInfo(new McpSchema.Implementation("benchmark", null, "1", null, null, null))
			.feature(ToolsFeature.ofSync(new Tools()))
			.build();
		HttpServletMcpTransport transport = HttpServletMcpTransport.builder(server).endpoint("/mcp").build();
		File baseDir = Files.createTempDirectory("stateless-tool-server").toFile();
		Tomcat tomcat = new Tomcat();
		tomcat.setBaseDir(baseDir.getAbsolutePath());
		tomcat.setHostname("127.0.0.1");
		tomcat.setPort(0);
		tomcat.getConnector().setProperty("address", "127.0.0.1");
		Context context = tomcat.addContext("", baseDir.getAbsolutePath());
		Wrapper wrapper = Tomcat.addServlet(context, "mcp", transport);
		wrapper.setAsyncSupported(true);
		context.addServletMappingDecoded("/mcp", "mcp");
		tomcat.start();
		return new StatelessToolServer(tomcat, transport);
	}

	String url() {
		return "http://127.0.0.1:" + this.tomcat.getConnector().getLocalPort() + "/mcp";
	}

	@Override
	public void close() throws Exception {
		this.transport.closeGracefully();
		this.tomcat.stop();
		this.tomcat.destroy();
	}

	private static final class Tools implements McpSyncToolRepository {

		@Override
		public ToolsPage list(McpRequestContext ctx, String cursor) {
			return ToolsPage.of(List.of(ECHO));
		}

		@Override
		public McpSyncTool find(McpRequestContext ctx, String name) {
			if (!"echo".equals(name)) {
				return null;
			}
			return McpSyncTool.of(ECHO, (context, request) -> McpSyncResponse.result(McpSchema.CallToolResult.builder()
				.addContent(McpSchema.TextContent.builder(String.valueOf(request.arguments().get("message"))).build())
				.build()));
		}

	}

}
