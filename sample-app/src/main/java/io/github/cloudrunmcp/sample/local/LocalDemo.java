package io.github.cloudrunmcp.sample.local;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.test.FakeEventServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;

/**
 * An in-process demo of what the sample talks to on Cloud Run: a metadata server that
 * mints ID tokens, and an MCP event server that accepts only those tokens and streams the
 * kinds of events an agent backend sends (a context, an attached document, a model
 * response token by token, the agent's reply, done), with SSE ids so that reconnects
 * resume.
 */
public final class LocalDemo implements AutoCloseable {

	private static final List<String> ANSWER = List.of("The ", "answer ", "to ", "your ", "question ", "is ", "42",
			".");

	private final FakeMetadataServer metadata;

	private final FakeEventServer events;

	private final ScheduledExecutorService scheduler;

	private final AtomicInteger conversation = new AtomicInteger();

	private LocalDemo(FakeMetadataServer metadata, FakeEventServer events, ScheduledExecutorService scheduler) {
		this.metadata = metadata;
		this.events = events;
		this.scheduler = scheduler;
	}

	/**
	 * Start the servers and a conversation every {@code intervalMillis}.
	 * @param intervalMillis the pause between conversations
	 * @return the running demo
	 */
	public static LocalDemo start(long intervalMillis) {
		FakeMetadataServer metadata = FakeMetadataServer.started();
		FakeEventServer events = new FakeEventServer(metadata.issuer(), "/events").start();
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "local-demo");
			thread.setDaemon(true);
			return thread;
		});
		LocalDemo demo = new LocalDemo(metadata, events, scheduler);
		scheduler.scheduleWithFixedDelay(demo::converse, 200, intervalMillis, TimeUnit.MILLISECONDS);
		return demo;
	}

	/**
	 * Return the event server's base URL.
	 * @return the URL
	 */
	public String baseUrl() {
		return this.events.origin();
	}

	/**
	 * Return the metadata server's {@code host:port}.
	 * @return host and port
	 */
	public String metadataHost() {
		return this.metadata.hostAndPort();
	}

	/**
	 * Return credentials whose ID tokens come from the demo's metadata server.
	 * @return the credentials
	 */
	public GoogleCredentials credentials() {
		return this.metadata.credentials();
	}

	/**
	 * Return the event server, for tests.
	 * @return the event server
	 */
	public FakeEventServer eventServer() {
		return this.events;
	}

	private void converse() {
		int n = this.conversation.incrementAndGet();
		this.events.publish(null,
				"{\"event\":\"context.create\",\"conversation\":" + n + ",\"content\":\"user asks #" + n + "\"}");
		this.events.publish(null,
				"{\"event\":\"document.attach\",\"conversation\":" + n + ",\"content\":\"guide.pdf\",\"pages\":12}");
		for (String token : ANSWER) {
			this.events.publish(null,
					"{\"event\":\"model.response\",\"conversation\":" + n + ",\"content\":\"" + token + "\"}");
			sleep(60);
		}
		this.events.publish("agent.reply",
				"{\"conversation\":" + n + ",\"content\":\"The answer is 42.\",\"tokens\":" + ANSWER.size() + "}");
		this.events.publish(null,
				"{\"event\":\"model.done\",\"conversation\":" + n + ",\"tokens\":" + ANSWER.size() + "}");
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		this.scheduler.shutdownNow();
		this.events.stop();
		this.metadata.stop();
	}

}
