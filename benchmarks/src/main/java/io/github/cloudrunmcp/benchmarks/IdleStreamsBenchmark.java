package io.github.cloudrunmcp.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.stream.StreamSettings;
import tools.jackson.databind.json.JsonMapper;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Heap and threads with 1 to 10,000 concurrent idle streams in one JVM. The server runs
 * in a process of its own ({@link HoldingServer}), so that its sockets do not count
 * against this process's open-file limit; it answers every connection with event-stream
 * headers and then holds it open without a thread per connection.
 */
public final class IdleStreamsBenchmark {

	private IdleStreamsBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		int[] counts = quick ? new int[] { 1, 100 } : new int[] { 1, 100, 1_000, 10_000 };
		StringBuilder table = new StringBuilder();
		table.append("Idle streams in one JVM (the server in a process of its own), heap used after a full GC, "
				+ "live threads of the whole JVM (Netty's event loops and the JVM's own included)"
				+ (quick ? " (--quick smoke run)" : "") + ":\n\n");
		table.append("| streams | heap used (MiB) | heap per stream (KiB) | threads | peak threads | "
				+ "threads named cloudrun-mcp-* |\n");
		table.append("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		try (ChildServer server = ChildServer.start()) {
			// Every stream holds one pooled connection for its life; Reactor Netty's
			// default pool allows max(cores, 8) * 2 connections per host.
			WebClient client = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(
						ConnectionProvider.builder("idle").maxConnections(20_000).pendingAcquireMaxCount(-1).build())))
				.build();
			gc();
			long baseHeap = memory.getHeapMemoryUsage().getUsed();
			table.append(String.format(Locale.ROOT, "| 0 | %.1f | | %d | %d | 0 |%n", baseHeap / 1048576.0,
					threads.getThreadCount(), threads.getPeakThreadCount()));
			for (int count : counts) {
				threads.resetPeakThreadCount();
				List<McpEventStream> streams = new ArrayList<>();
				for (int i = 0; i < count; i++) {
					McpEventStream stream = new McpEventStream("s" + i, URI.create(server.url()), client,
							StreamSettings.defaults(), JsonMapper.builder().build(), null);
					stream.start();
					streams.add(stream);
				}
				long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
				while (streams.stream().anyMatch((s) -> s.status().state() != McpStreamStatus.State.OPEN)) {
					if (System.nanoTime() > deadline) {
						long open = streams.stream()
							.filter((s) -> s.status().state() == McpStreamStatus.State.OPEN)
							.count();
						throw new IllegalStateException(open + " of " + count + " streams opened within 120 s");
					}
					Thread.sleep(50);
				}
				Thread.sleep(500);
				gc();
				long heap = memory.getHeapMemoryUsage().getUsed();
				long dispatchThreads = Thread.getAllStackTraces()
					.keySet()
					.stream()
					.filter((t) -> t.getName().startsWith("cloudrun-mcp-"))
					.count();
				table.append(String.format(Locale.ROOT, "| %,d | %.1f | %.1f | %d | %d | %d |%n", count,
						heap / 1048576.0, (heap - baseHeap) / 1024.0 / count, threads.getThreadCount(),
						threads.getPeakThreadCount(), dispatchThreads));
				System.out.println(table);
				long stopping = System.nanoTime();
				streams.parallelStream().forEach(McpEventStream::stop);
				System.out.printf(Locale.ROOT, "stopped %,d streams in %d ms%n", count,
						(System.nanoTime() - stopping) / 1_000_000);
				Thread.sleep(500);
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
	 * The {@link HoldingServer} in a child JVM on this one's class path; it prints its
	 * port, then holds connections until its standard input closes.
	 */
	static final class ChildServer implements AutoCloseable {

		private final Process process;

		private final int port;

		private ChildServer(Process process, int port) {
			this.process = process;
			this.port = port;
		}

		static ChildServer start() throws IOException {
			String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
			Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
					HoldingServer.class.getName())
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			BufferedReader out = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
			String line = out.readLine();
			if (line == null) {
				process.destroyForcibly();
				throw new IllegalStateException("The holding server's process ended before it printed its port");
			}
			return new ChildServer(process, Integer.parseInt(line.trim()));
		}

		String url() {
			return "http://127.0.0.1:" + this.port + "/events";
		}

		@Override
		public void close() throws IOException {
			this.process.getOutputStream().close();
			this.process.destroy();
		}

	}

	/**
	 * Accepts connections, sends event-stream headers and holds them, all from one
	 * thread; run as a process of its own, it ends when its standard input closes.
	 */
	static final class HoldingServer {

		private HoldingServer() {
		}

		public static void main(String[] args) throws IOException {
			ServerSocket socket = new ServerSocket();
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
			List<Socket> held = new ArrayList<>();
			Thread acceptor = new Thread(() -> accept(socket, held), "holding-accept");
			acceptor.setDaemon(true);
			acceptor.start();
			System.out.println(socket.getLocalPort());
			System.out.flush();
			while (System.in.read() >= 0) {
				// Held until the parent closes the pipe or ends.
			}
			System.exit(0);
		}

		private static void accept(ServerSocket socket, List<Socket> held) {
			byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n: hello\n\n"
				.getBytes(StandardCharsets.US_ASCII);
			while (!socket.isClosed()) {
				try {
					Socket connection = socket.accept();
					connection.getOutputStream().write(head);
					connection.getOutputStream().flush();
					held.add(connection);
				}
				catch (IOException ex) {
					// Out of files or the client went away: keep accepting.
					if (socket.isClosed()) {
						return;
					}
				}
			}
		}

	}

}
