package io.github.cloudrunmcp.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import io.github.cloudrunmcp.stream.OverflowPolicy;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The MCP transport against a raw server that sends what a well-behaved HTTP server would
 * not: header values that cannot be sent back, or no answer at all.
 */
class HostileMcpServerTests {

	private RawServer server;

	@AfterEach
	void stop() throws IOException {
		if (this.server != null) {
			this.server.close();
		}
	}

	private ResumableStreamableHttpTransport transport(Duration responseTimeout) {
		StreamSettings settings = new StreamSettings(32, OverflowPolicy.BLOCK, 1024 * 1024, Duration.ofSeconds(30),
				Duration.ofSeconds(1), StreamSettings.Reconnect.defaults(), responseTimeout);
		ResumableStreamableHttpTransport transport = new ResumableStreamableHttpTransport("hostile",
				URI.create(this.server.origin() + "/mcp"), WebClient.create(), McpJsonDefaults.getMapper(),
				JsonMapper.builder().build(), settings);
		transport.connect((message) -> message).block();
		return transport;
	}

	private static McpSchema.JSONRPCRequest initialize() {
		return new McpSchema.JSONRPCRequest(McpSchema.JSONRPC_VERSION, McpSchema.METHOD_INITIALIZE, 1,
				Map.of("protocolVersion", "2025-11-25", "capabilities", Map.of(), "clientInfo",
						Map.of("name", "test", "version", "1")));
	}

	@Test
	void aSessionIdWithAControlCharacterFailsTheCallAndIsNeverSentBack() {
		// Reactor Netty refuses such a response header itself; the transport's own check
		// (HeaderValues) covers connectors that do not.
		this.server = new RawServer((head) -> head.contains("\"initialize\"")
				? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: bad\u0001id\r\n"
						+ "Content-Length: 2\r\n\r\n{}"
				: "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
		ResumableStreamableHttpTransport transport = transport(Duration.ofSeconds(5));
		assertThatThrownBy(() -> transport.sendMessage(initialize()).block(Duration.ofSeconds(10)))
			.hasMessageContaining("Mcp-Session-Id");
		assertThat(transport.sessionId()).isNull();
		// The next message goes out without the unusable ID: nothing loops on it.
		transport.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, "notifications/x", null))
			.block(Duration.ofSeconds(10));
		assertThat(this.server.heads()).hasSize(2).allSatisfy((head) -> assertThat(head).doesNotContain("bad"));
	}

	@Test
	void aNotificationThatIsNeverAnsweredFailsAfterTheResponseTimeout() {
		this.server = new RawServer((head) -> null);
		ResumableStreamableHttpTransport transport = transport(Duration.ofMillis(300));
		assertThatThrownBy(() -> transport
			.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, "notifications/x", null))
			.block(Duration.ofSeconds(10))).hasMessageContaining("sent no response headers to POST")
			.hasMessageContaining("cloudrun.mcp.stream.response-timeout");
	}

	/**
	 * Answers each request with the raw bytes a script returns for its head and body, or
	 * never when it returns {@code null}.
	 */
	private static final class RawServer implements AutoCloseable {

		private final ServerSocket socket;

		private final List<String> heads = new CopyOnWriteArrayList<>();

		private final List<Socket> open = new CopyOnWriteArrayList<>();

		RawServer(Function<String, @Nullable String> script) {
			try {
				this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			Thread acceptor = new Thread(() -> {
				while (!this.socket.isClosed()) {
					try {
						Socket connection = this.socket.accept();
						this.open.add(connection);
						Thread serve = new Thread(() -> serve(connection, script), "raw-server");
						serve.setDaemon(true);
						serve.start();
					}
					catch (IOException ex) {
						return;
					}
				}
			}, "raw-server-accept");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		private void serve(Socket connection, Function<String, @Nullable String> script) {
			try (connection) {
				InputStream in = connection.getInputStream();
				OutputStream out = connection.getOutputStream();
				while (true) {
					String request = readRequest(in);
					if (request == null) {
						return;
					}
					this.heads.add(request);
					String reply = script.apply(request);
					if (reply == null) {
						// Accept and never answer.
						in.transferTo(OutputStream.nullOutputStream());
						return;
					}
					out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
					out.flush();
				}
			}
			catch (IOException ex) {
				// The client went away.
			}
		}

		private static @Nullable String readRequest(InputStream in) throws IOException {
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			int matched = 0;
			while (matched < 4) {
				int b = in.read();
				if (b < 0) {
					return null;
				}
				head.write(b);
				matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : ((b == '\r') ? 1 : 0);
			}
			String text = head.toString(StandardCharsets.ISO_8859_1);
			int length = 0;
			for (String line : text.split("\r\n")) {
				if (line.toLowerCase().startsWith("content-length:")) {
					length = Integer.parseInt(line.substring(15).trim());
				}
			}
			return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
		}

		String origin() {
			return "http://127.0.0.1:" + this.socket.getLocalPort();
		}

		List<String> heads() {
			return List.copyOf(this.heads);
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
			for (Socket connection : this.open) {
				connection.close();
			}
		}

	}

}
