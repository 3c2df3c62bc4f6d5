package io.github.cloudrunmcp.protocol;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpServer;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpChangeFeed;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ServerChange;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/**
 * The MCP Java SDK's own 2026-07-28 server (its {@code HttpServletMcpTransport}) in an
 * embedded Tomcat on loopback, with a few tools, recording the headers of every request
 * it receives.
 */
final class JavaSdkStatelessServer implements AutoCloseable {

	private final Tomcat tomcat;

	private final HttpServletMcpTransport transport;

	private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

	private final McpChangeFeed changes;

	private volatile boolean toolsListFails;

	private JavaSdkStatelessServer(Tomcat tomcat, HttpServletMcpTransport transport, McpChangeFeed changes) {
		this.tomcat = tomcat;
		this.transport = transport;
		this.changes = changes;
	}

	static JavaSdkStatelessServer start() throws IOException, LifecycleException {
		return start(0);
	}

	/**
	 * Start a server on a given port, such as the port of a server that stopped, to play
	 * a restart.
	 * @param port the port, 0 for any free one
	 * @return the server
	 */
	static JavaSdkStatelessServer start(int port) throws IOException, LifecycleException {
		McpChangeFeed changes = new McpChangeFeed();
		McpServer server = McpServer.builder()
			.serverInfo(new McpSchema.Implementation("java-sdk-stateless", null, "2.2.0", null, null, null))
			.feature(ToolsFeature.ofSync(new Tools()))
			.subscriptions(changes)
			.build();
		HttpServletMcpTransport transport = HttpServletMcpTransport.builder(server)
			.endpoint("/mcp")
			// Keep-alive comments well within the read timeouts the tests set (1 s at
			// least): a quiet listen stream stays open.
			.keepAliveInterval(Duration.ofMillis(250))
			.build();
		File baseDir = Files.createTempDirectory("java-sdk-stateless").toFile();
		Tomcat tomcat = new Tomcat();
		tomcat.setBaseDir(baseDir.getAbsolutePath());
		tomcat.setHostname("127.0.0.1");
		tomcat.setPort(port);
		tomcat.getConnector().setProperty("address", "127.0.0.1");
		JavaSdkStatelessServer result = new JavaSdkStatelessServer(tomcat, transport, changes);
		Context context = tomcat.addContext("", baseDir.getAbsolutePath());
		Wrapper wrapper = Tomcat.addServlet(context, "mcp", result.new Recording());
		wrapper.setAsyncSupported(true);
		context.addServletMappingDecoded("/mcp", "mcp");
		tomcat.start();
		return result;
	}

	int port() {
		return this.tomcat.getConnector().getLocalPort();
	}

	String origin() {
		return "http://127.0.0.1:" + this.tomcat.getConnector().getLocalPort();
	}

	/**
	 * Return the headers of every request received, names in lower case, in order.
	 * @return the requests' headers
	 */
	List<Map<String, String>> requests() {
		return List.copyOf(this.requests);
	}

	/**
	 * Tell listening clients that the tool list changed.
	 */
	void toolsChanged() {
		this.changes.broadcast(new ServerChange.ToolsListChanged());
	}

	/**
	 * Answer {@code tools/list} with 503 from now on, or again normally.
	 * @param fails whether it fails
	 */
	void toolsListFails(boolean fails) {
		this.toolsListFails = fails;
	}

	/**
	 * Send a numbered {@code notifications/message} to listening clients that asked for
	 * tool list changes, for order and duplicate checks.
	 * @param seq the number, the message's data
	 */
	void numbered(long seq) {
		this.changes.broadcast(new Numbered(seq));
	}

	@Override
	public void close() throws Exception {
		this.transport.closeGracefully();
		this.tomcat.stop();
		this.tomcat.destroy();
	}

	/** A numbered log message, sent on the listen streams that listen to tool changes. */
	private record Numbered(long seq) implements ServerChange {

		@Override
		public String method() {
			return "notifications/message";
		}

		@Override
		public Object params() {
			return Map.of("level", "info", "data", String.valueOf(this.seq));
		}

		@Override
		public boolean isHonouredBy(McpSchema.SubscriptionFilter filter) {
			return filter.wantsToolsListChanged();
		}

	}

	private final class Recording extends HttpServlet {

		private static final long serialVersionUID = 1L;

		@Override
		protected void service(HttpServletRequest request, HttpServletResponse response)
				throws ServletException, IOException {
			Map<String, String> headers = new LinkedHashMap<>();
			for (String name : Collections.list(request.getHeaderNames())) {
				headers.put(name.toLowerCase(java.util.Locale.ROOT), request.getHeader(name));
			}
			JavaSdkStatelessServer.this.requests.add(headers);
			if (JavaSdkStatelessServer.this.toolsListFails && "tools/list".equals(headers.get("mcp-method"))) {
				response.sendError(503);
				return;
			}
			JavaSdkStatelessServer.this.transport.service(request, response);
		}

	}

	/**
	 * An echo tool whose {@code region} parameter is mirrored into a header, a tool that
	 * sends progress and a log message while answering, and a tool whose header
	 * annotation is invalid (a name with a space).
	 */
	static final class Tools implements McpSyncToolRepository {

		private static final McpSchema.Tool ECHO = McpSchema.Tool
			.builder("echo", Map.of("type", "object", "properties",
					Map.of("message", Map.of("type", "string"), "region",
							Map.of("type", "string", "x-mcp-header", "Region")),
					"required", List.of("message")))
			.description("Echoes the message and the region")
			.build();

		private static final McpSchema.Tool BOOK = McpSchema.Tool.builder("book", Map.of("type", "object"))
			.description("Asks for a seat, then books it")
			.build();

		private static final McpSchema.Tool REPORT = McpSchema.Tool.builder("report", Map.of("type", "object"))
			.description("Reports progress and logs a message while answering")
			.build();

		private static final McpSchema.Tool BROKEN = McpSchema.Tool.builder("broken", Map.of("type", "object",
				"properties", Map.of("value", Map.of("type", "string", "x-mcp-header", "Not A Token"))))
			.build();

		@Override
		public ToolsPage list(io.modelcontextprotocol.modern.server.McpRequestContext ctx, String cursor) {
			return ToolsPage.of(List.of(ECHO, BOOK, REPORT, BROKEN));
		}

		@Override
		public McpSyncTool find(io.modelcontextprotocol.modern.server.McpRequestContext ctx, String name) {
			if ("echo".equals(name)) {
				return McpSyncTool.of(ECHO, (context, request) -> {
					Object region = (request.arguments() != null) ? request.arguments().get("region") : null;
					return McpSyncResponse.result(McpSchema.CallToolResult.builder()
						.addContent(McpSchema.TextContent
							.builder(request.arguments().get("message") + " from " + ((region != null) ? region : "-"))
							.build())
						.build());
				});
			}
			if ("book".equals(name)) {
				return McpSyncTool.of(BOOK, (context, request) -> {
					Object flight = request.arguments().get("flight");
					if ("LINK".equals(flight)) {
						// URL mode: the user is sent to a page, the answer says whether
						// they went.
						if (request.inputResponses() == null) {
							return McpSyncResponse.result(McpSchema.InputRequiredResult.builder()
								.elicitUrl("pay", "Pay for the seat", "https://pay.example.com/LINK")
								.requestState("state-LINK")
								.build());
						}
						Map<?, ?> answer = (Map<?, ?>) request.inputResponses().get("pay");
						return McpSyncResponse.result(McpSchema.CallToolResult.builder()
							.addContent(McpSchema.TextContent
								.builder("paid " + answer.get("action") + " " + request.requestState())
								.build())
							.build());
					}
					if ("LOOP".equals(flight) || request.inputResponses() == null) {
						return McpSyncResponse.result(McpSchema.InputRequiredResult.builder()
							.elicit("seat",
									new McpSchema.ElicitFormRequest("Which seat?",
											Map.of("type", "object", "properties",
													Map.of("seat", Map.of("type", "string"), "meal",
															Map.of("type", "string", "default", "veg"))),
											null))
							.requestState("state-" + request.arguments().get("flight"))
							.build());
					}
					Map<?, ?> answer = (Map<?, ?>) request.inputResponses().get("seat");
					Map<?, ?> content = (Map<?, ?>) answer.get("content");
					return McpSyncResponse.result(McpSchema.CallToolResult.builder()
						.addContent(McpSchema.TextContent
							.builder(content.get("seat") + " " + content.get("meal") + " " + request.requestState())
							.build())
						.build());
				});
			}
			if ("report".equals(name)) {
				return McpSyncTool.of(REPORT, (context, request) -> McpSyncResponse.streaming((notifier) -> {
					notifier.progress(1, 2.0, "half");
					notifier.notify("notifications/message",
							new McpSchema.LoggingMessageParams(McpSchema.LoggingLevel.INFO, "report", "working"));
					notifier.progress(2, 2.0, "done");
					return McpSchema.CallToolResult.builder()
						.addContent(McpSchema.TextContent.builder("reported").build())
						.build();
				}));
			}
			if ("broken".equals(name)) {
				return McpSyncTool.of(BROKEN,
						(context,
								request) -> McpSyncResponse.result(McpSchema.CallToolResult.builder()
									.addContent(McpSchema.TextContent.builder("?").build())
									.build()));
			}
			return null;
		}

	}

}
