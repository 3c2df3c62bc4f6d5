package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A loopback SSE server that writes a fixed number of pre-built events (about 100 bytes
 * of JSON each, with ids) as fast as the socket takes them, then closes the connection.
 */
final class BlastServer implements AutoCloseable {

	static final int EVENTS_PER_BLOCK = 10_000;

	private final ServerSocket socket;

	private final byte[] block;

	private final int blocks;

	BlastServer(int events) throws IOException {
		this.blocks = Math.max(1, events / EVENTS_PER_BLOCK);
		StringBuilder text = new StringBuilder();
		for (int i = 1; i <= EVENTS_PER_BLOCK; i++) {
			text.append("id: ")
				.append(1_000_000 + i)
				.append("\ndata: {\"event\":\"model.response\",\"content\":\"token ")
				.append(i % 1000)
				.append("\",\"index\":")
				.append(i)
				.append(",\"done\":false}\n\n");
		}
		this.block = text.toString().getBytes(StandardCharsets.UTF_8);
		this.socket = new ServerSocket();
		this.socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
		Thread acceptor = new Thread(this::accept, "blast-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	int events() {
		return this.blocks * EVENTS_PER_BLOCK;
	}

	double bytesPerEvent() {
		return (double) this.block.length / EVENTS_PER_BLOCK;
	}

	String url() {
		return "http://127.0.0.1:" + this.socket.getLocalPort() + "/events";
	}

	private void accept() {
		while (!this.socket.isClosed()) {
			try {
				Socket connection = this.socket.accept();
				Thread writer = new Thread(() -> serve(connection), "blast-write");
				writer.setDaemon(true);
				writer.start();
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void serve(Socket connection) {
		try (connection) {
			connection.getInputStream().read(new byte[8192]);
			OutputStream out = connection.getOutputStream();
			out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			for (int i = 0; i < this.blocks; i++) {
				out.write(this.block);
			}
			out.flush();
		}
		catch (IOException ex) {
			// the client went away
		}
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
