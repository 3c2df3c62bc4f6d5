package io.github.cloudrunmcp.protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The MCP TypeScript SDK v2's own 2026-07-28 server
 * ({@code @modelcontextprotocol/server}, pinned in the root {@code package.json}), run
 * with Node from {@code src/test/node/typescript-sdk-server.mjs} on a free loopback port:
 * tools (one with an {@code x-mcp-header} parameter, one that asks for input with a
 * sealed {@code requestState}), a resource, and list changes published on request.
 */
final class TypeScriptSdkServer implements AutoCloseable {

	private static final String SCRIPT = "cloudrun-mcp-autoconfigure/src/test/node/typescript-sdk-server.mjs";

	private static final String PACKAGE = "node_modules/@modelcontextprotocol/server/package.json";

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

	private final Process process;

	private final int port;

	private final StringBuffer log = new StringBuffer();

	private final HttpClient control = HttpClient.newHttpClient();

	private TypeScriptSdkServer(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * Return the major version of the {@code node} on the path.
	 * @return the major version, or -1 if {@code node} cannot be run
	 */
	static int nodeMajorVersion() {
		try {
			Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
			String version = new String(node.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
			if (!node.waitFor(10, TimeUnit.SECONDS) || node.exitValue() != 0 || !version.matches("v\\d+\\..*")) {
				return -1;
			}
			return Integer.parseInt(version.substring(1, version.indexOf('.')));
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	static TypeScriptSdkServer start() {
		Path root = projectRoot();
		if (!Files.isRegularFile(root.resolve(PACKAGE))) {
			throw new IllegalStateException("@modelcontextprotocol/server is not installed in " + root
					+ ": run 'npm ci' in the project's root.");
		}
		int port = freePort();
		ProcessBuilder builder = new ProcessBuilder("node", root.resolve(SCRIPT).toString(), Integer.toString(port))
			.directory(root.toFile())
			.redirectErrorStream(true);
		Process process;
		try {
			process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot run 'node': install Node.js 20 or later", ex);
		}
		TypeScriptSdkServer server = new TypeScriptSdkServer(process, port);
		server.awaitListening();
		return server;
	}

	private static Path projectRoot() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isRegularFile(dir.resolve(SCRIPT))) {
				return dir;
			}
		}
		throw new IllegalStateException("Cannot find " + SCRIPT + " above " + Path.of("").toAbsolutePath());
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void awaitListening() {
		// The script says when it listens; everything it prints is kept for failures.
		CompletableFuture<Void> listening = new CompletableFuture<>();
		Thread drain = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = reader.readLine()) != null) {
					this.log.append(line).append('\n');
					if (line.equals("listening " + this.port)) {
						listening.complete(null);
					}
				}
			}
			catch (IOException ex) {
				// The process ended.
			}
			listening.completeExceptionally(new IllegalStateException("exited"));
		}, "typescript-sdk-server-log");
		drain.setDaemon(true);
		drain.start();
		try {
			listening.get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			close();
			throw new IllegalStateException(
					"The TypeScript SDK server did not listen on port " + this.port + ". Its output:\n" + this.log, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			close();
			throw new IllegalStateException("Interrupted while starting the TypeScript SDK server", ex);
		}
	}

	String origin() {
		return "http://127.0.0.1:" + this.port;
	}

	/**
	 * Tell listening clients that the tool list changed.
	 */
	void toolsChanged() {
		control("/control/tools-changed");
	}

	/**
	 * Tell listening clients that the resource list changed.
	 */
	void resourcesChanged() {
		control("/control/resources-changed");
	}

	/**
	 * Tell listening clients that subscribed to a resource that it changed.
	 * @param uri the resource's URI
	 */
	void resourceUpdated(String uri) {
		control("/control/resource-updated?uri=" + URLEncoder.encode(uri, StandardCharsets.UTF_8));
	}

	/**
	 * Return what the server printed so far.
	 * @return its output
	 */
	String log() {
		return this.log.toString();
	}

	private void control(String path) {
		try {
			HttpResponse<String> response = this.control.send(HttpRequest.newBuilder(URI.create(origin() + path))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() >= 300) {
				throw new IllegalStateException(path + " answered " + response.statusCode());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
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

}
