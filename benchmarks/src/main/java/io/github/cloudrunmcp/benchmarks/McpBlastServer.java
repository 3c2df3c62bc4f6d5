package io.github.cloudrunmcp.benchmarks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal MCP server (Streamable HTTP) for throughput runs: it answers
 * {@code initialize} with a session, notifications with 202, and a GET with N pre-built
 * {@code notifications/message} events (with IDs) written as fast as the socket takes
 * them, then ends the stream.
 */
final class McpBlastServer implements AutoCloseable {

	private static final int EVENTS_PER_BLOCK = 10_000;

	private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|\\d+)");

	private final ServerSocket socket;

	private final byte[] block;

	private final int blocks;

	private final AtomicInteger sessions = new AtomicInteger();

	McpBlastServer(int events) throws IOException {
		this.blocks = Math.max(1, events / EVENTS_PER_BLOCK);
		StringBuilder text = new StringBuilder();
		for (int i = 1; i <= EVENTS_PER_BLOCK; i++) {
			// 'event: message' as real servers send it: Spring AI's transport skips
			// events without it.
			text.append("event: message\nid: ")
				.append(1_000_000 + i)
				.append("\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":")
				.append("\"info\",\"logger\":\"bench\",\"data\":\"token ")
				.append(i % 1000)
				.append("\"}}\n\n");
		}
		this.block = text.toString().getBytes(StandardCharsets.UTF_8);
		this.socket = new ServerSocket();
		this.socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
		Thread acceptor = new Thread(this::accept, "mcp-blast-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	int events() {
		return this.blocks * EVENTS_PER_BLOCK;
	}

	double bytesPerEvent() {
		return (double) this.block.length / EVENTS_PER_BLOCK;
	}

	String origin() {
		return "http://127.0.0.1:" + this.socket.getLocalPort();
	}

	private void accept() {
		while (!this.socket.isClosed()) {
			try {
				Socket connection = this.socket.accept();
				Thread worker = new Thread(() -> serve(connection), "mcp-blast-serve");
				worker.setDaemon(true);
				worker.start();
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void serve(Socket connection) {
		try (connection) {
			InputStream in = new BufferedInputStream(connection.getInputStream());
			OutputStream out = connection.getOutputStream();
			while (true) {
				String head = readHead(in);
				if (head == null) {
					return;
				}
				String method = head.substring(0, head.indexOf(' '));
				int length = contentLength(head);
				String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
				if ("GET".equals(method)) {
					out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
						.getBytes(StandardCharsets.US_ASCII));
					for (int i = 0; i < this.blocks; i++) {
						out.write(this.block);
					}
					out.flush();
					return;
				}
				if ("DELETE".equals(method)) {
					respond(out, "200 OK", null, null);
				}
				else if (body.contains("\"method\":\"initialize\"")) {
					Matcher id = ID.matcher(body);
					String requestId = id.find() ? id.group(1) : "0";
					respond(out, "200 OK", "session-" + this.sessions.incrementAndGet(), "{\"jsonrpc\":\"2.0\",\"id\":"
							+ requestId + ",\"result\":{\"protocolVersion\":\"2025-11-25\","
							+ "\"capabilities\":{\"logging\":{}},\"serverInfo\":{\"name\":\"blast\",\"version\":\"1\"}}}");
				}
				else {
					respond(out, "202 Accepted", null, null);
				}
			}
		}
		catch (IOException ex) {
			// the client went away
		}
	}

	private static void respond(OutputStream out, String status, String session, String json) throws IOException {
		byte[] body = (json != null) ? json.getBytes(StandardCharsets.UTF_8) : new byte[0];
		StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
		if (session != null) {
			head.append("Mcp-Session-Id: ").append(session).append("\r\n");
		}
		if (json != null) {
			head.append("Content-Type: application/json\r\n");
		}
		head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
		out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
		out.write(body);
		out.flush();
	}

	private static String readHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		int matched = 0;
		int b;
		while ((b = in.read()) != -1) {
			head.write(b);
			matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : ((b == '\r') ? 1 : 0);
			if (matched == 4) {
				return head.toString(StandardCharsets.US_ASCII);
			}
		}
		return null;
	}

	private static int contentLength(String head) {
		for (String line : head.split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
				return Integer.parseInt(line.substring(15).trim());
			}
		}
		return 0;
	}

	@Override
	public void close() {
		try {
			this.socket.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
