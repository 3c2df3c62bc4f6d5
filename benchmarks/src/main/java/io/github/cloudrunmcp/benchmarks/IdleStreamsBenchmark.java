package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.StreamSettings;
import tools.jackson.databind.json.JsonMapper;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Heap and threads with 1, 100 and 1,000 concurrent idle streams in one JVM. The server
 * answers every connection with event-stream headers and then holds it open without a
 * thread per connection, so that the thread count is the client's.
 */
public final class IdleStreamsBenchmark {

	private IdleStreamsBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		int[] counts = quick ? new int[] { 1, 10 } : new int[] { 1, 100, 1_000 };
		StringBuilder table = new StringBuilder();
		table.append("Idle streams in one JVM, heap used after a full GC, live threads (all of the JVM's):\n\n");
		table.append("| streams | heap used (MiB) | heap per stream (KiB) | threads | threads named mcp-events-* |\n");
		table.append("| ---: | ---: | ---: | ---: | ---: |\n");
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		try (HoldingServer server = new HoldingServer()) {
			// Every stream holds one pooled connection for its life; Reactor Netty's
			// default pool
			// allows max(cores, 8) * 2 connections per host, so this client has a larger
			// one.
			WebClient client = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(
						ConnectionProvider.builder("idle").maxConnections(2_000).pendingAcquireMaxCount(-1).build())))
				.build();
			gc();
			long baseHeap = memory.getHeapMemoryUsage().getUsed();
			int baseThreads = Thread.activeCount();
			table.append(String.format(Locale.ROOT, "| 0 | %.1f | | %d | 0 |%n", baseHeap / 1048576.0, baseThreads));
			for (int count : counts) {
				List<McpEventStream> streams = new ArrayList<>();
				for (int i = 0; i < count; i++) {
					McpEventStream stream = new McpEventStream("s" + i, URI.create(server.url()), client,
							StreamSettings.defaults(), JsonMapper.builder().build(), null);
					stream.start();
					streams.add(stream);
				}
				long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
				while (streams.stream().anyMatch((s) -> s.status().state() != McpStreamStatus.State.OPEN)) {
					if (System.nanoTime() > deadline) {
						throw new IllegalStateException("streams did not open");
					}
					Thread.sleep(50);
				}
				Thread.sleep(500);
				gc();
				long heap = memory.getHeapMemoryUsage().getUsed();
				long dispatchThreads = Thread.getAllStackTraces()
					.keySet()
					.stream()
					.filter((t) -> t.getName().startsWith("mcp-events-"))
					.count();
				table.append(String.format(Locale.ROOT, "| %,d | %.1f | %.1f | %d | %d |%n", count, heap / 1048576.0,
						(heap - baseHeap) / 1024.0 / count, Thread.activeCount(), dispatchThreads));
				streams.forEach(McpEventStream::stop);
				Thread.sleep(200);
			}
		}
		Report.publish("idle-streams", table.toString());
		System.exit(0);
	}

	private static void gc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
	}

	/**
	 * Accepts connections, sends event-stream headers and holds them, all from one
	 * thread.
	 */
	static final class HoldingServer implements AutoCloseable {

		private final ServerSocket socket;

		private final List<Socket> held = new CopyOnWriteArrayList<>();

		HoldingServer() throws IOException {
			this.socket = new ServerSocket();
			this.socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2048);
			Thread acceptor = new Thread(this::accept, "holding-accept");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		String url() {
			return "http://127.0.0.1:" + this.socket.getLocalPort() + "/events";
		}

		private void accept() {
			byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n: hello\n\n"
				.getBytes(StandardCharsets.US_ASCII);
			while (!this.socket.isClosed()) {
				try {
					Socket connection = this.socket.accept();
					connection.getOutputStream().write(head);
					connection.getOutputStream().flush();
					this.held.add(connection);
				}
				catch (IOException ex) {
					return;
				}
			}
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
			for (Socket connection : this.held) {
				connection.close();
			}
		}

	}

}
