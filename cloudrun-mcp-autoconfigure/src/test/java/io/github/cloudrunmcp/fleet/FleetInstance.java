package io.github.cloudrunmcp.fleet;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * One instance of the fleet in a JVM of its own, so that a test can end it with SIGTERM
 * (a graceful shutdown, through Spring's shutdown hook) or SIGKILL (a crash: no hook, no
 * release of the lease, claims left unfinished). Its properties come as
 * {@code --name=value} arguments. Its listener prints {@code fleet-handled <id>} when it
 * handled an event and {@code fleet-failed <id>} when it fails one on purpose (the first
 * time this instance sees every 499th event), each line flushed before the listener
 * returns, so that a line is on its way out before the event is acknowledged.
 */
public final class FleetInstance {

	static final String HANDLED = "fleet-handled ";

	static final String FAILED = "fleet-failed ";

	private FleetInstance() {
	}

	public static void main(String[] args) throws InterruptedException {
		new SpringApplicationBuilder(FleetDeliveryTests.FleetApplication.class, Listener.class)
			.web(WebApplicationType.NONE)
			.run(args);
		// The shutdown hook closes the context on SIGTERM; until then this JVM stays.
		Thread.currentThread().join();
	}

	/**
	 * Prints what it handled.
	 */
	static final class Listener {

		private final Set<String> failed = ConcurrentHashMap.newKeySet();

		@McpListener
		void handle(McpEvent event) {
			String id = event.id();
			if (Integer.parseInt(id) % 499 == 0 && this.failed.add(id)) {
				System.out.println(FAILED + id);
				throw new IllegalStateException("failing event " + id + " once, on purpose");
			}
			System.out.println(HANDLED + id);
		}

	}

}
