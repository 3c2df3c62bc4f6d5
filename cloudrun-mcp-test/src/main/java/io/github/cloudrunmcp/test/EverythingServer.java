package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The official MCP reference server, {@code @modelcontextprotocol/server-everything}, run
 * with Node on a free loopback port in Streamable HTTP mode: a peer for interoperability
 * tests that this project did not write.
 *
 * <p>
 * The npm package is looked for in the directory given by the system property
 * {@code cloudrun.mcp.everything.dir} or the environment variable
 * {@code MCP_EVERYTHING_DIR}, else in {@code node_modules} of the working directory or
 * any of its parents. Install it with {@code npm ci} (or
 * {@code npm install @modelcontextprotocol/server-everything}) in the project's root.
 */
public final class EverythingServer implements AutoCloseable {

	private static final String PACKAGE = "node_modules/@modelcontextprotocol/server-everything";

	private static final String ENTRY = PACKAGE + "/dist/index.js";

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

	private static final int LOG_LIMIT = 64 * 1024;

	private final Process process;

	private final int port;

	private final StringBuilder log = new StringBuilder();

	private EverythingServer(Process process, int port) {
		this.process = process;
		this.port = port;
		Thread drain = new Thread(this::drain, "everything-server-log");
		drain.setDaemon(true);
		drain.start();
	}

	/**
	 * Return whether the npm package is installed where this class looks for it.
	 * @return whether it can be started
	 */
	public static boolean isInstalled() {
		return home() != null;
	}

	/**
	 * Start the server and wait until it accepts connections.
	 * @return the running server
	 * @throws IllegalStateException if the package is not installed or the server does
	 * not come up
	 */
	public static EverythingServer start() {
		return start(freePort());
	}

	/**
	 * Start the server on the given loopback port (for example the port of a server that
	 * was closed, to play a restart) and wait until it accepts connections.
	 * @param port the port
	 * @return the running server
	 * @throws IllegalStateException if the package is not installed or the server does
	 * not come up
	 */
	public static EverythingServer start(int port) {
		Path home = home();
		if (home == null) {
			throw new IllegalStateException("The MCP reference server is not installed: run 'npm ci' in the "
					+ "project's root (or 'npm install @modelcontextprotocol/server-everything'), or point the "
					+ "system property cloudrun.mcp.everything.dir at the directory that holds its node_modules.");
		}
		ProcessBuilder builder = new ProcessBuilder("node", home.resolve(ENTRY).toString(), "streamableHttp")
			.redirectErrorStream(true);
		builder.environment().put("PORT", Integer.toString(port));
		Process process;
		try {
			process = builder.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run 'node' to start the MCP reference server; install Node.js "
					+ "18 or later: " + ex.getMessage(), ex);
		}
		EverythingServer server = new EverythingServer(process, port);
		server.awaitReady();
		return server;
	}

	private static @Nullable Path home() {
		String configured = System.getProperty("cloudrun.mcp.everything.dir", System.getenv("MCP_EVERYTHING_DIR"));
		if (configured != null && !configured.isBlank()) {
			Path path = Path.of(configured);
			return Files.isRegularFile(path.resolve(ENTRY)) ? path : null;
		}
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isRegularFile(dir.resolve(ENTRY))) {
				return dir;
			}
		}
		return null;
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void awaitReady() {
		long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("The MCP reference server exited with code " + this.process.exitValue()
						+ " before it listened on port " + this.port + ". Its output:\n" + log());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				return;
			}
			catch (IOException ex) {
				sleep(100);
			}
		}
		close();
		throw new IllegalStateException("The MCP reference server did not listen on port " + this.port + " within "
				+ STARTUP_TIMEOUT.toSeconds() + " s. Its output:\n" + log());
	}

	private void drain() {
		byte[] buffer = new byte[4096];
		try (InputStream in = this.process.getInputStream()) {
			int read;
			while ((read = in.read(buffer)) != -1) {
				synchronized (this.log) {
					this.log.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
					if (this.log.length() > LOG_LIMIT) {
						this.log.delete(0, this.log.length() - LOG_LIMIT);
					}
				}
			}
		}
		catch (IOException ex) {
			// The process ended.
		}
	}

	/**
	 * Return the port the server listens on.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return the server's origin, such as {@code http://127.0.0.1:41234}.
	 * @return the origin
	 */
	public String origin() {
		return "http://127.0.0.1:" + this.port;
	}

	/**
	 * Return the URL of its MCP endpoint.
	 * @return the URL
	 */
	public URI mcpUrl() {
		return URI.create(origin() + "/mcp");
	}

	/**
	 * Return the last 64 KiB of what the server printed.
	 * @return the output
	 */
	public String log() {
		synchronized (this.log) {
			return this.log.toString();
		}
	}

	@Override
	public void close() {
		this.process.descendants().forEach(ProcessHandle::destroy);
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
