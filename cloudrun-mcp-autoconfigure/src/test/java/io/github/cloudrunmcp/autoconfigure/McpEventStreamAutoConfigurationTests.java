package io.github.cloudrunmcp.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.github.cloudrunmcp.listener.McpListenerFactory;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpConfigurationException;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.McpDispatchExecutor;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpEventStreamFactory;
import io.github.cloudrunmcp.stream.OverflowPolicy;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.test.FakeEventServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Wiring of the event streams: per-server beans from the {@link McpServers} bean, and
 * every shared bean replaceable.
 */
class McpEventStreamAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpEventStreamAutoConfiguration.class));

	private FakeEventServer alpha;

	private FakeEventServer beta;

	@BeforeEach
	void start() {
		this.alpha = new FakeEventServer().start();
		this.beta = new FakeEventServer().start();
	}

	@AfterEach
	void stop() {
		this.alpha.stop();
		this.beta.stop();
	}

	static McpServer eventServer(String name, String origin) {
		return new McpServer(name, URI.create(origin), origin,
				new McpServer.Auth(AuthMode.NONE, TokenHeader.AUTHORIZATION, Duration.ofMinutes(5), null), "/events");
	}

	private McpServers userServers() {
		return new McpServers(
				List.of(eventServer("alpha", this.alpha.origin()), eventServer("beta", this.beta.origin())));
	}

	@Test
	void serversOfAnApplicationsOwnMcpServersBeanGetStreams() {
		this.alpha.publishNumbered(3);
		this.beta.publishNumbered(4);
		this.runner.withBean(McpServers.class, this::userServers).withBean(BetaUser.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBeans(McpEventStream.class)
				.containsOnlyKeys("mcpEventStream-alpha", "mcpEventStream-beta");
			McpEventStream alphaStream = context.getBean("mcpEventStream-alpha", McpEventStream.class);
			McpEventStream betaStream = context.getBean(BetaUser.class).stream;
			assertThat(betaStream.server()).isEqualTo("beta");
			await().atMost(Duration.ofSeconds(10)).until(() -> alphaStream.stats().delivered() == 3);
			await().atMost(Duration.ofSeconds(10)).until(() -> betaStream.stats().delivered() == 4);
		});
	}

	@Test
	void propertiesAreNotReadWhenTheApplicationDefinesMcpServers() {
		// Servers in properties that the application's McpServers does not have get no
		// beans: the bean is the one source of truth.
		this.runner.withBean(McpServers.class, this::userServers)
			.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:1",
					"cloudrun.mcp.servers.gamma.base-url=http://127.0.0.1:2")
			.run((context) -> assertThat(context).getBeans(McpEventStream.class)
				.containsOnlyKeys("mcpEventStream-alpha", "mcpEventStream-beta"));
	}

	@Test
	void streamSettingsBeanIsUsedByTheStreams() {
		StreamSettings custom = new StreamSettings(7, OverflowPolicy.DROP_OLDEST, 4096, Duration.ofSeconds(9),
				Duration.ofSeconds(1), StreamSettings.Reconnect.defaults());
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin())
			.withBean(StreamSettings.class, () -> custom)
			.run((context) -> {
				assertThat(context).hasSingleBean(StreamSettings.class);
				assertThat(context.getBean(McpEventStreamFactory.class).settings()).isSameAs(custom);
			});
	}

	@Test
	void streamSettingsAreValidatedFromProperties() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin(), "cloudrun.mcp.stream.buffer=5")
			.run((context) -> assertThat(context.getBean(StreamSettings.class).buffer()).isEqualTo(5));
	}

	@Test
	void webClientBeanOfTheWellKnownNameCarriesTheStreams() {
		AtomicInteger requests = new AtomicInteger();
		WebClient own = WebClient.builder().filter((request, next) -> {
			requests.incrementAndGet();
			return next.exchange(request);
		}).build();
		this.alpha.publishNumbered(2);
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin())
			.withBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME, WebClient.class, () -> own)
			.run((context) -> {
				assertThat(context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME)).isSameAs(own);
				McpEventStream stream = context.getBean(McpEventStream.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().delivered() == 2);
				assertThat(requests.get()).isPositive();
			});
	}

	@Test
	void authenticatedWebClientDoesNotCompeteWithTheApplicationsOwn() {
		WebClient own = WebClient.create();
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin())
			.withBean("myClient", WebClient.class, () -> own)
			.withBean(WebClientUser.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				WebClientUser user = context.getBean(WebClientUser.class);
				assertThat(user.plain).isSameAs(own);
				assertThat(user.authenticated).isNotSameAs(own)
					.isSameAs(context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME));
			});
	}

	@Test
	void listenerFactoryBeanBacksOff() {
		McpListenerFactory own = new McpListenerFactory();
		own.setOrder(5);
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin())
			.withBean("myListenerFactory", McpListenerFactory.class, () -> own)
			.run((context) -> assertThat(context).getBean(McpListenerFactory.class).isSameAs(own));
	}

	@Test
	void eventStreamFactoryBeanBacksOff() {
		McpEventStreamFactory own = new McpEventStreamFactory(WebClient.create(), StreamSettings.defaults(),
				JsonMapper.builder().build(), (event) -> {
				});
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin())
			.withBean("myFactory", McpEventStreamFactory.class, () -> own)
			.run((context) -> {
				assertThat(context).getBean(McpEventStreamFactory.class).isSameAs(own);
				assertThat(context.getBean(McpEventStream.class).server()).isEqualTo(McpServer.DEFAULT_NAME);
			});
	}

	@Test
	void streamsDeliverOnTheBoundedDispatchThreadsWhichCloseWithTheContext() {
		this.alpha.publishNumbered(20);
		this.beta.publishNumbered(20);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicInteger delivered = new AtomicInteger();
		ApplicationListener<McpEvent> listener = (event) -> {
			threads.add(Thread.currentThread());
			delivered.incrementAndGet();
		};
		this.runner.withBean(McpServers.class, this::userServers)
			.withPropertyValues("cloudrun.mcp.stream.dispatch-threads=1")
			.withBean("recorder", ApplicationListener.class, () -> listener)
			.run((context) -> {
				assertThat(context).hasSingleBean(McpDispatchExecutor.class);
				assertThat(context.getBean(McpEventStreamFactory.class).dispatchThreads())
					.isSameAs(context.getBean(McpDispatchExecutor.class));
				await().atMost(Duration.ofSeconds(10)).until(() -> delivered.get() == 40);
				// Two streams, one thread: the property bounds them.
				assertThat(threads).singleElement().satisfies((thread) -> {
					assertThat(thread.getName()).isEqualTo("cloudrun-mcp-dispatch-1");
					assertThat(thread.getClass().getName()).isNotEqualTo("java.lang.VirtualThread");
				});
			});
		Thread thread = threads.iterator().next();
		await().atMost(Duration.ofSeconds(10)).until(() -> !thread.isAlive());
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualThreadsDeliverWhenEnabledOnJava21() {
		this.alpha.publishNumbered(5);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicInteger delivered = new AtomicInteger();
		ApplicationListener<McpEvent> listener = (event) -> {
			threads.add(Thread.currentThread());
			delivered.incrementAndGet();
		};
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin(), "spring.threads.virtual.enabled=true")
			.withBean("recorder", ApplicationListener.class, () -> listener)
			.run((context) -> {
				await().atMost(Duration.ofSeconds(10)).until(() -> delivered.get() == 5);
				assertThat(threads).isNotEmpty().allSatisfy((thread) -> {
					assertThat(thread.getName()).startsWith("cloudrun-mcp-dispatch-");
					assertThat(thread.getClass().getName()).isEqualTo("java.lang.VirtualThread");
				});
			});
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void platformThreadsDeliverBeforeJava21EvenWithVirtualThreadsEnabled() {
		this.alpha.publishNumbered(5);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicInteger delivered = new AtomicInteger();
		ApplicationListener<McpEvent> listener = (event) -> {
			threads.add(Thread.currentThread());
			delivered.incrementAndGet();
		};
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin(), "spring.threads.virtual.enabled=true")
			.withBean("recorder", ApplicationListener.class, () -> listener)
			.run((context) -> {
				await().atMost(Duration.ofSeconds(10)).until(() -> delivered.get() == 5);
				assertThat(threads).isNotEmpty()
					.allSatisfy((thread) -> assertThat(thread.getName()).startsWith("cloudrun-mcp-dispatch-"));
			});
	}

	@Test
	void dispatchThreadsAreValidated() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin(),
					"cloudrun.mcp.stream.dispatch-threads=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(McpConfigurationException.class)
				.hasMessageContaining("cloudrun.mcp.stream.dispatch-threads must be at least 1, got 0"));
	}

	@Test
	void dispatchExecutorBeanBacksOff() {
		McpDispatchExecutor own = McpDispatchExecutor.platformThreads(2);
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.alpha.origin())
			.withBean("myDispatchThreads", McpDispatchExecutor.class, () -> own)
			.run((context) -> {
				assertThat(context).getBean(McpDispatchExecutor.class).isSameAs(own);
				assertThat(context.getBean(McpEventStreamFactory.class).dispatchThreads()).isSameAs(own);
			});
		own.close();
	}

	@Test
	void aServersStreamOfTheSameNameBacksOff() {
		this.runner.withBean(McpServers.class, this::userServers)
			.withBean("mcpEventStream-beta", String.class, () -> "mine")
			.run((context) -> {
				assertThat(context).getBeans(McpEventStream.class).containsOnlyKeys("mcpEventStream-alpha");
				assertThat(context.getBean("mcpEventStream-beta")).isEqualTo("mine");
			});
	}

	static class BetaUser {

		final McpEventStream stream;

		BetaUser(@Qualifier("beta") McpEventStream stream) {
			this.stream = stream;
		}

	}

	static class WebClientUser {

		final WebClient plain;

		final WebClient authenticated;

		WebClientUser(WebClient plain,
				@Qualifier(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME) WebClient authenticated) {
			this.plain = plain;
			this.authenticated = authenticated;
		}

	}

}
