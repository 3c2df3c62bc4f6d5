package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;

/**
 * A JDK HTTP server bound to 127.0.0.1 that can be stopped and started again on the same
 * port, so that tests can take a dependency down and bring it back.
 */
abstract class LoopbackHttpServer implements AutoCloseable {

	private @Nullable HttpServer server;

	private @Nullable ExecutorService executor;

	private int port;

	/**
	 * Start on a free port, or on the port used before when restarting.
	 */
	public final synchronized void start() {
		if (this.server != null) {
			return;
		}
		IOException last = null;
		for (int attempt = 0; attempt < 50; attempt++) {
			try {
				HttpServer created = HttpServer
					.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 0);
				created.createContext("/", handler());
				this.executor = Executors.newCachedThreadPool((runnable) -> {
					Thread thread = new Thread(runnable, getClass().getSimpleName());
					thread.setDaemon(true);
					return thread;
				});
				created.setExecutor(this.executor);
				startAsDaemon(created);
				this.server = created;
				this.port = created.getAddress().getPort();
				return;
			}
			catch (BindException ex) {
				last = ex;
				sleep(100);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		throw new UncheckedIOException("Could not bind 127.0.0.1:" + this.port, last);
	}

	/**
	 * Stop the server; connections are refused until {@link #start()} is called again.
	 */
	public final synchronized void stop() {
		if (this.server != null) {
			this.server.stop(0);
			this.server = null;
		}
		if (this.executor != null) {
			this.executor.shutdownNow();
			this.executor = null;
		}
	}

	/**
	 * Return the port the server listens on (or listened on before it was stopped).
	 * @return the port
	 */
	public final int port() {
		return this.port;
	}

	/**
	 * Return the server's origin, such as {@code http://127.0.0.1:41234}.
	 * @return the origin, without a trailing slash
	 */
	public final String origin() {
		return "http://127.0.0.1:" + this.port;
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * Return the handler for every request.
	 * @return the handler
	 */
	protected abstract HttpHandler handler();

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The JDK's server thread takes its daemon flag from the thread that starts it:
	 * started from a daemon thread it never keeps a JVM alive, such as the one that
	 * processes test contexts ahead of time, where a test's
	 * {@code @DynamicPropertySource} starts its server and nothing stops it.
	 */
	private static void startAsDaemon(HttpServer server) {
		Thread starter = new Thread(server::start, "loopback-http-server-start");
		starter.setDaemon(true);
		starter.start();
		try {
			starter.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			server.stop(0);
			throw new IllegalStateException("Interrupted while starting a loopback HTTP server", ex);
		}
	}

}
