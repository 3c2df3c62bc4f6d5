package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The MCP reference server run with Node, as the interoperability tests use it.
 */
class EverythingServerTests {

	static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
			+ "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@Test
	void servesMcpOnLoopbackUntilClosed() throws Exception {
		int port;
		try (EverythingServer server = EverythingServer.start()) {
			port = server.port();
			assertThat(server.mcpUrl()).hasToString("http://127.0.0.1:" + port + "/mcp");
			HttpResponse<String> response = this.client.send(initialize(server), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(server.log()).isEqualTo(200);
			assertThat(response.headers().firstValue("mcp-session-id")).isPresent();
			assertThat(response.body()).contains("\"serverInfo\":{\"name\":\"mcp-servers/everything\"");
			assertThat(server.log()).contains("listening on port " + port);
		}
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> connect(port));
	}

	/**
	 * The reference server answers a session it does not know with 400, where the
	 * specification asks for 404; clients must treat both as a lost session.
	 */
	@Test
	void answersAnUnknownSessionWithBadRequest() throws Exception {
		try (EverythingServer server = EverythingServer.start()) {
			HttpResponse<String> post = this.client.send(HttpRequest.newBuilder(server.mcpUrl())
				.header("Accept", "application/json, text/event-stream")
				.header("Content-Type", "application/json")
				.header("Mcp-Session-Id", "unknown")
				.POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(post.statusCode()).isEqualTo(400);
			assertThat(post.body()).contains("No valid session ID provided");
			HttpResponse<String> get = this.client.send(HttpRequest.newBuilder(server.mcpUrl())
				.header("Accept", "text/event-stream")
				.header("Mcp-Session-Id", "unknown")
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(get.statusCode()).isEqualTo(400);
		}
	}

	@Test
	void isNotInstalledWhereTheConfiguredDirectoryLacksThePackage(@TempDir Path empty) {
		String previous = System.getProperty("cloudrun.mcp.everything.dir");
		System.setProperty("cloudrun.mcp.everything.dir", empty.toString());
		try {
			assertThat(EverythingServer.isInstalled()).isFalse();
			assertThatIllegalStateException().isThrownBy(EverythingServer::start)
				.withMessageContaining("npm install @modelcontextprotocol/server-everything");
		}
		finally {
			if (previous != null) {
				System.setProperty("cloudrun.mcp.everything.dir", previous);
			}
			else {
				System.clearProperty("cloudrun.mcp.everything.dir");
			}
		}
	}

	@Test
	void isInstalledByTheBuild() {
		assertThat(EverythingServer.isInstalled()).isTrue();
	}

	private static HttpRequest initialize(EverythingServer server) {
		return HttpRequest.newBuilder(server.mcpUrl())
			.header("Accept", "application/json, text/event-stream")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(INITIALIZE))
			.build();
	}

	private static void connect(int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
		}
	}

}
