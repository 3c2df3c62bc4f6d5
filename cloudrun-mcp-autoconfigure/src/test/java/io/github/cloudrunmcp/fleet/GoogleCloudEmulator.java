package io.github.cloudrunmcp.fleet;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A Google Cloud emulator (Pub/Sub or Firestore) from the Google Cloud CLI, started on a
 * free loopback port in a process group of its own and stopped with the whole group (the
 * CLI starts the emulator's JVM as a child). Tests that need one are skipped where the
 * CLI is not installed.
 */
final class GoogleCloudEmulator implements AutoCloseable {

	private final String name;

	private final Process process;

	private final int port;

	private final Path log;

	private GoogleCloudEmulator(String name, Process process, int port, Path log) {
		this.name = name;
		this.process = process;
		this.port = port;
		this.log = log;
	}

	static GoogleCloudEmulator pubsub() {
		return start("pubsub", List.of("beta", "emulators", "pubsub", "start"));
	}

	static GoogleCloudEmulator firestore() {
		return start("firestore", List.of("emulators", "firestore", "start"));
	}

	private static GoogleCloudEmulator start(String name, List<String> command) {
		Assumptions.assumeTrue(gcloudInstalled(), "The Google Cloud CLI (gcloud) with its " + name
				+ " emulator is not installed: skipping the fleet tests that need it.");
		int port = freePort();
		try {
			Path log = Files.createTempFile("gcloud-" + name + "-emulator", ".log");
			ProcessBuilder builder = new ProcessBuilder();
			builder.command().add("setsid");
			builder.command().add("gcloud");
			builder.command().addAll(command);
			builder.command().add("--host-port=127.0.0.1:" + port);
			builder.redirectErrorStream(true).redirectOutput(log.toFile());
			GoogleCloudEmulator emulator = new GoogleCloudEmulator(name, builder.start(), port, log);
			emulator.awaitListening(Duration.ofSeconds(90));
			return emulator;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static boolean gcloudInstalled() {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (Files.isExecutable(Path.of(directory, "gcloud"))) {
				return true;
			}
		}
		return false;
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void awaitListening(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() - deadline < 0) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("The " + this.name + " emulator exited: " + tail());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 200);
				if (ready()) {
					return;
				}
			}
			catch (IOException ex) {
				// Not listening yet.
			}
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		close();
		throw new IllegalStateException(
				"The " + this.name + " emulator did not start within " + timeout + ": " + tail());
	}

	private boolean ready() {
		String output = tail();
		return output.contains("Server started") || output.contains("Dev App Server is now running");
	}

	private String tail() {
		try {
			String output = Files.readString(this.log);
			return (output.length() > 2000) ? output.substring(output.length() - 2000) : output;
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	/**
	 * Return the emulator's host and port.
	 * @return such as {@code 127.0.0.1:40000}
	 */
	String hostPort() {
		return "127.0.0.1:" + this.port;
	}

	@Override
	public void close() {
		// setsid made the CLI the leader of a new process group: end the whole group.
		long group = this.process.pid();
		try {
			new ProcessBuilder("kill", "-TERM", "--", "-" + group).start().waitFor(10, TimeUnit.SECONDS);
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				new ProcessBuilder("kill", "-KILL", "--", "-" + group).start().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (IOException ex) {
			this.process.destroyForcibly();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
