package io.github.cloudrunmcp.listener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpEventStreamAutoConfiguration;
import io.github.cloudrunmcp.stream.McpEvent;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.FakeEventServer;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class McpListenerTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpEventStreamAutoConfiguration.class));

	private FakeEventServer server;

	private FakeEventServer search;

	@BeforeEach
	void start() {
		this.server = new FakeEventServer().start();
		this.search = new FakeEventServer().start();
	}

	@AfterEach
	void stop() {
		this.server.stop();
		this.search.stop();
	}

	private ApplicationContextRunner withServers() {
		return this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(),
				"cloudrun.mcp.servers.search.base-url=" + this.search.origin(),
				"cloudrun.mcp.stream.reconnect.initial-delay=50ms");
	}

	private void publishSeedEvents() {
		this.server.publish(null, "{\"event\":\"context.create\",\"content\":\"ctx\"}");
		this.server.publish(null, "{\"event\":\"model.response\",\"content\":\"42\"}");
		this.server.publish("agent.reply", "{\"content\":\"done\",\"tokens\":7}");
		this.server.publish(null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
				+ "\"params\":{\"progress\":1,\"total\":2}}");
		this.server.publish(null, "plain text, not JSON");
		this.search.publish(null, "{\"event\":\"model.response\",\"content\":\"from search\"}");
	}

	@Test
	void aListenerOfResourcesReceivesTheUpdatesOfThoseResourcesAndSubscribesToThem() {
		this.server.publish(null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/updated\","
				+ "\"params\":{\"uri\":\"file:///other.md\"}}");
		this.server.publish(null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
		this.server.publish(null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/updated\","
				+ "\"params\":{\"uri\":\"file:///handbook.md\"}}");
		withServers().withUserConfiguration(ResourceListeners.class).run((context) -> {
			assertThat(context).hasNotFailed();
			ResourceListeners listeners = context.getBean(ResourceListeners.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.all.size() == 3);
			assertThat(listeners.handbook).extracting((event) -> event.json().path("params").path("uri").asString())
				.containsExactly("file:///handbook.md");
			assertThat(listeners.handbookAndToolChanges).extracting(McpEvent::type)
				.containsExactly("notifications/tools/list_changed", "notifications/resources/updated");
			McpListenerFactory factory = context.getBean(McpListenerFactory.class);
			assertThat(factory.resourceSubscriptions().uris("default")).containsExactly("file:///handbook.md",
					"file:///notes.md");
			assertThat(factory.resourceSubscriptions().uris("search")).containsExactly("file:///handbook.md",
					"file:///notes.md", "file:///search.md");
		});
	}

	static class ResourceListeners {

		final List<McpEvent> all = new CopyOnWriteArrayList<>();

		final List<McpEvent> handbook = new CopyOnWriteArrayList<>();

		final List<McpEvent> handbookAndToolChanges = new CopyOnWriteArrayList<>();

		@McpListener(server = "default")
		void onEvent(McpEvent event) {
			this.all.add(event);
		}

		@McpListener(server = "default", resources = "file:///handbook.md")
		void onHandbook(McpEvent event) {
			this.handbook.add(event);
		}

		@McpListener(types = { "notifications/tools/list_changed", "notifications/resources/updated" },
				resources = { "file:///handbook.md", "file:///notes.md" })
		void onHandbookOrTools(McpEvent event) {
			this.handbookAndToolChanges.add(event);
		}

		@McpListener(server = "search", resources = "file:///search.md")
		void onSearchResource(McpEvent event) {
		}

	}

	@Test
	void listenersReceiveByTypeServerAndParameterType() {
		publishSeedEvents();
		withServers().withUserConfiguration(Listeners.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Listeners listeners = context.getBean(Listeners.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.all.size() == 6);
			assertThat(listeners.all).extracting((e) -> e.server() + ":" + e.type())
				.containsExactlyInAnyOrder("default:context.create", "default:model.response", "default:agent.reply",
						"default:notifications/progress", "default:message", "search:model.response");
			await().atMost(Duration.ofSeconds(5)).until(() -> listeners.responses.size() == 2);
			assertThat(listeners.responses).containsExactlyInAnyOrder("42", "from search");
			assertThat(listeners.searchOnly)
				.containsExactly("{\"event\":\"model.response\",\"content\":\"from search\"}");
			assertThat(listeners.replies).singleElement().satisfies((reply) -> {
				assertThat(reply.content()).isEqualTo("done");
				assertThat(reply.tokens()).isEqualTo(7);
			});
			assertThat(listeners.progress).singleElement()
				.satisfies((node) -> assertThat(node.get("params").get("total").asInt()).isEqualTo(2));
			assertThat(listeners.noArgs).hasValue(1);
		});
	}

	@Test
	void conditionFiltersOnThePayload() {
		this.server.publish(null, "{\"event\":\"model.response\",\"content\":\"small\",\"size\":1}");
		this.server.publish(null, "{\"event\":\"model.response\",\"content\":\"big\",\"size\":100}");
		withServers().withUserConfiguration(ConditionListener.class).run((context) -> {
			ConditionListener listener = context.getBean(ConditionListener.class);
			McpEventStream stream = context.getBean(McpEventStream.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().delivered() == 2);
			assertThat(listener.big).containsExactly("big");
		});
	}

	@Test
	void aThrowingListenerStopsNeitherTheStreamNorOtherListeners() {
		this.server.publishNumbered(20);
		withServers().withUserConfiguration(ThrowingAndCounting.class).run((context) -> {
			ThrowingAndCounting listeners = context.getBean(ThrowingAndCounting.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.counted.get() == 20);
			assertThat(listeners.thrown.get()).isEqualTo(20);
			assertThat(context.getBean(McpEventStream.class).status().state()).isEqualTo(McpStreamStatus.State.OPEN);
		});
	}

	@Test
	void listenersRunInOrderAndInArrivalOrder() {
		this.server.publishNumbered(50);
		withServers().withUserConfiguration(OrderedListeners.class).run((context) -> {
			OrderedListeners listeners = context.getBean(OrderedListeners.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.calls.size() == 100);
			for (int i = 0; i < 50; i++) {
				assertThat(listeners.calls.get(2 * i)).isEqualTo("first:" + (i + 1));
				assertThat(listeners.calls.get(2 * i + 1)).isEqualTo("second:" + (i + 1));
			}
		});
	}

	@Test
	void listenerOnAProxiedBeanIsInvokedThroughTheProxy() {
		this.server.publishNumbered(3);
		withServers().withUserConfiguration(ProxiedListenerConfiguration.class).run((context) -> {
			ProxiedListener listener = context.getBean(ProxiedListener.class);
			assertThat(org.springframework.aop.support.AopUtils.isAopProxy(listener)).isTrue();
			await().atMost(Duration.ofSeconds(10)).until(() -> ProxiedListenerConfiguration.intercepted.get() == 3);
			assertThat(listener.count()).isEqualTo(3);
		});
	}

	@Test
	void metaAnnotatedListenerWorks() {
		publishSeedEvents();
		withServers().withUserConfiguration(MetaAnnotated.class).run((context) -> {
			MetaAnnotated listener = context.getBean(MetaAnnotated.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> listener.responses.size() == 2);
		});
	}

	@Test
	void contextWithoutListenersStillStreams() {
		this.server.publishNumbered(10);
		withServers().run((context) -> {
			assertThat(context).hasNotFailed();
			McpEventStream stream = context.getBean(McpEventStream.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().delivered() == 10);
		});
	}

	@Test
	void oneStreamBeanPerServerQualifiedByName() {
		withServers().withUserConfiguration(StreamInjection.class).run((context) -> {
			assertThat(context).getBeans(McpEventStream.class)
				.hasSize(2)
				.containsKeys("mcpEventStream", "mcpEventStream-search");
			StreamInjection injection = context.getBean(StreamInjection.class);
			assertThat(injection.primary.server()).isEqualTo("default");
			assertThat(injection.search.server()).isEqualTo("search");
			assertThat(injection.search.url().toString()).isEqualTo(this.search.origin() + "/events");
			await().atMost(Duration.ofSeconds(10))
				.until(() -> injection.search.status().state() == McpStreamStatus.State.OPEN);
		});
	}

	@Test
	void eventsPathIsConfigurablePerServer() {
		withServers()
			.withPropertyValues("cloudrun.mcp.events-path=/sse", "cloudrun.mcp.servers.search.events-path=/v1/stream")
			.run((context) -> {
				assertThat(context.getBean("mcpEventStream", McpEventStream.class).url().getPath()).isEqualTo("/sse");
				assertThat(context.getBean("mcpEventStream-search", McpEventStream.class).url().getPath())
					.isEqualTo("/v1/stream");
			});
	}

	@Test
	void streamsCanBeDisabled() {
		withServers().withPropertyValues("cloudrun.mcp.stream.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(McpEventStream.class));
	}

	@Test
	void streamsStopWithTheContext() {
		this.server.publishNumbered(5);
		McpEventStream[] captured = new McpEventStream[1];
		withServers().run((context) -> {
			captured[0] = context.getBean(McpEventStream.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> captured[0].stats().delivered() == 5);
		});
		assertThat(captured[0].isRunning()).isFalse();
		assertThat(captured[0].status().state()).isEqualTo(McpStreamStatus.State.CLOSED);
	}

	@Test
	void invalidStreamSettingsAreReported() {
		withServers().withPropertyValues("cloudrun.mcp.stream.buffer=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("cloudrun.mcp.stream.buffer");
		});
		withServers().withPropertyValues("cloudrun.mcp.stream.reconnect.jitter=2")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("cloudrun.mcp.stream.reconnect.jitter"));
		withServers().withPropertyValues("cloudrun.mcp.events-path=events")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("cloudrun.mcp.events-path must be a path starting with '/'"));
	}

	record Reply(String content, int tokens) {
	}

	static class Listeners {

		final List<McpEvent> all = new CopyOnWriteArrayList<>();

		final List<String> responses = new CopyOnWriteArrayList<>();

		final List<String> searchOnly = new CopyOnWriteArrayList<>();

		final List<Reply> replies = new CopyOnWriteArrayList<>();

		final List<JsonNode> progress = new CopyOnWriteArrayList<>();

		final AtomicInteger noArgs = new AtomicInteger();

		@McpListener
		void all(McpEvent event) {
			this.all.add(event);
		}

		@McpListener("model.response")
		void response(McpEvent event) {
			this.responses.add(event.json().get("content").asString());
		}

		@McpListener(value = "model.response", server = "search")
		void searchOnly(String data) {
			this.searchOnly.add(data);
		}

		@McpListener(types = "agent.reply")
		void reply(Reply reply) {
			this.replies.add(reply);
		}

		@McpListener("notifications/progress")
		void progress(JsonNode node) {
			this.progress.add(node);
		}

		@McpListener(types = "context.create", server = "default")
		void noArgs() {
			this.noArgs.incrementAndGet();
		}

	}

	static class ConditionListener {

		final List<String> big = new CopyOnWriteArrayList<>();

		@McpListener(value = "model.response", condition = "#root.event.json().get('size').asInt() > 10")
		void big(McpEvent event) {
			this.big.add(event.json().get("content").asString());
		}

	}

	static class ThrowingAndCounting {

		final AtomicInteger thrown = new AtomicInteger();

		final AtomicInteger counted = new AtomicInteger();

		@McpListener
		@Order(1)
		void fails(McpEvent event) {
			this.thrown.incrementAndGet();
			throw new IllegalStateException("listener bug");
		}

		@McpListener
		@Order(2)
		void counts(McpEvent event) {
			this.counted.incrementAndGet();
		}

	}

	static class OrderedListeners {

		final List<String> calls = new CopyOnWriteArrayList<>();

		@McpListener
		@Order(2)
		void second(McpEvent event) {
			this.calls.add("second:" + event.id());
		}

		@McpListener
		@Order(1)
		void first(McpEvent event) {
			this.calls.add("first:" + event.id());
		}

	}

	@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
	@java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
	@McpListener("model.response")
	@interface OnModelResponse {

	}

	static class MetaAnnotated {

		final List<McpEvent> responses = new CopyOnWriteArrayList<>();

		@OnModelResponse
		void onResponse(McpEvent event) {
			this.responses.add(event);
		}

	}

	static class StreamInjection {

		final McpEventStream primary;

		final McpEventStream search;

		StreamInjection(McpEventStream primary, @Qualifier("search") McpEventStream search) {
			this.primary = primary;
			this.search = search;
		}

	}

	public static class ProxiedListener {

		private final AtomicInteger count = new AtomicInteger();

		@McpListener
		public void onEvent(McpEvent event) {
			this.count.incrementAndGet();
		}

		public int count() {
			return this.count.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProxiedListenerConfiguration {

		static final AtomicInteger intercepted = new AtomicInteger();

		@Bean
		ProxiedListener proxiedListener() {
			return new ProxiedListener();
		}

		@Bean
		static BeanPostProcessor proxyingPostProcessor() {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					if (!(bean instanceof ProxiedListener)) {
						return bean;
					}
					ProxyFactory factory = new ProxyFactory(bean);
					factory.setProxyTargetClass(true);
					factory.addAdvice((MethodInterceptor) (invocation) -> {
						if (invocation.getMethod().getName().equals("onEvent")) {
							intercepted.incrementAndGet();
						}
						return invocation.proceed();
					});
					return factory.getProxy();
				}
			};
		}

	}

}
