package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tool list kept of a 2026-07-28 server follows its changes however the change events
 * travel: the listen stream lists when told of a change, and the event it lists for
 * leaves the list as it is, but an event whose listing failed forgets it, even after an
 * event that never arrived (as with a stream that drops events); events that queue up
 * cost no listing of their own. Against the Java SDK's own server on loopback, its change
 * events handed to the tool lists as the event stream hands them.
 */
class McpToolListsRefreshTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final String CHANGED = "notifications/tools/list_changed";

	private JavaSdkStatelessServer server;

	@BeforeEach
	void start() throws Exception {
		this.server = JavaSdkStatelessServer.start();
	}

	@AfterEach
	void stop() throws Exception {
		this.server.close();
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.modern.base-url=" + this.server.origin(),
					"cloudrun.mcp.servers.modern.transport=streamable-http",
					"cloudrun.mcp.servers.modern.revision=2026-07-28", "cloudrun.mcp.servers.modern.auth.mode=none",
					// The test subscribes to the listen stream and delivers its events.
					"cloudrun.mcp.stream.enabled=false", "cloudrun.mcp.client.liveness-interval=0");
	}

	@Test
	void aChangeWhoseListingFailedIsListedAgainAfterAnEarlierChangeEventWasLost() {
		runner().run((context) -> {
			Listening listening = Listening.start(context);
			try {
				McpToolLists lists = context.getBean(McpToolLists.class);
				McpOperations operations = context.getBean(McpOperations.class);
				assertThat(lists.tools(operations).block(TIMEOUT)).extracting(McpSchema.Tool::name).contains("echo");
				this.server.toolsChanged();
				// Listed for, then lost on its way (a stream that drops events).
				assertThat(listening.next().type()).isEqualTo(CHANGED);
				this.server.toolsListFails(true);
				this.server.toolsChanged();
				McpEvent notListed = listening.next();
				assertThat(notListed.type()).isEqualTo(CHANGED);
				this.server.toolsListFails(false);
				lists.onApplicationEvent(notListed);
				int before = toolsLists();
				assertThat(lists.tools(operations).block(TIMEOUT)).extracting(McpSchema.Tool::name).contains("echo");
				assertThat(toolsLists()).as("tools/list after the change whose listing failed").isEqualTo(before + 1);
			}
			finally {
				listening.stop();
			}
		});
	}

	@Test
	void changeEventsThatQueuedUpCostNoListingOfTheirOwn() {
		runner().run((context) -> {
			Listening listening = Listening.start(context);
			try {
				McpToolLists lists = context.getBean(McpToolLists.class);
				McpOperations operations = context.getBean(McpOperations.class);
				lists.tools(operations).block(TIMEOUT);
				this.server.toolsChanged();
				McpEvent first = listening.next();
				this.server.toolsChanged();
				McpEvent second = listening.next();
				// Delivered once both were listed for, as a busy event stream does.
				lists.onApplicationEvent(first);
				lists.onApplicationEvent(second);
				int before = toolsLists();
				assertThat(lists.tools(operations).block(TIMEOUT)).extracting(McpSchema.Tool::name).contains("echo");
				assertThat(toolsLists()).isEqualTo(before);
			}
			finally {
				listening.stop();
			}
		});
	}

	private int toolsLists() {
		return (int) this.server.requests()
			.stream()
			.filter((headers) -> "tools/list".equals(headers.get("mcp-method")))
			.count();
	}

	/**
	 * The listen stream's events, held for the test to deliver.
	 */
	private record Listening(BlockingQueue<McpEvent> events, Disposable subscription, Disposable watching) {

		static Listening start(ApplicationContext context) {
			McpListenStream listen = context.getBean(McpStatelessSession.class).listen();
			List<McpStreamStatus> statuses = new CopyOnWriteArrayList<>();
			Disposable watching = listen.statusChanges().subscribe(statuses::add);
			BlockingQueue<McpEvent> events = new LinkedBlockingQueue<>();
			Disposable subscription = listen.events().subscribe(events::add);
			await().atMost(TIMEOUT)
				.until(() -> statuses.stream().anyMatch((status) -> status.state() == McpStreamStatus.State.OPEN));
			return new Listening(events, subscription, watching);
		}

		McpEvent next() throws InterruptedException {
			McpEvent event = this.events.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			assertThat(event).as("the next event of the listen stream").isNotNull();
			return event;
		}

		void stop() {
			this.subscription.dispose();
			this.watching.dispose();
		}

	}

}
