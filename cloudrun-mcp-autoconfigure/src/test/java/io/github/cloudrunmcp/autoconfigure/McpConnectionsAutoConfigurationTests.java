package io.github.cloudrunmcp.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.github.cloudrunmcp.http.McpConnectionPool;
import io.github.cloudrunmcp.test.FaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The library's {@link WebClient} closes keep-alive connections idle for longer than
 * {@code cloudrun.mcp.connections.max-idle-time}, tried against a real server behind a
 * proxy that forgets idle connections, with Spring Boot's WebClient auto-configuration;
 * an application that defines its own connector or connector builder has its connector
 * used instead.
 */
class McpConnectionsAutoConfigurationTests {

	private static final Duration FORGOTTEN_AFTER = Duration.ofMillis(400);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ReactiveHttpClientAutoConfiguration.class,
				WebClientAutoConfiguration.class, CloudRunMcpAutoConfiguration.class))
		.withPropertyValues("cloudrun.mcp.client.enabled=false", "cloudrun.mcp.stream.enabled=false",
				"cloudrun.mcp.auth.mode=none");

	private HttpServer server;

	private FaultProxy proxy;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		this.server.start();
		this.proxy = FaultProxy.to("127.0.0.1", this.server.getAddress().getPort()).start();
		this.proxy.always(FaultProxy.Fault.forgetIdleAfter(FORGOTTEN_AFTER));
	}

	@AfterEach
	void stop() {
		this.proxy.close();
		this.server.stop(0);
	}

	@Test
	void defaultMaxIdleTimeIsBelowCommonServerIdleTimeouts() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin())
			.run((context) -> assertThat(
					context.getBean("cloudRunMcpConnectionPool", McpConnectionPool.class).maxIdleTime())
				.isEqualTo(Duration.ofSeconds(4)));
	}

	@Test
	void callAfterTheServerForgotAnIdleConnectionGoesOnANewOne() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin(),
					"cloudrun.mcp.connections.max-idle-time=150ms", "cloudrun.mcp.strict=true")
			.run((context) -> {
				WebClient client = context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME, WebClient.class);
				assertThat(post(client)).isEqualTo("ok");
				Thread.sleep(FORGOTTEN_AFTER.toMillis() + 300);
				assertThat(post(client)).isEqualTo("ok");
			});
	}

	@Test
	void withoutMaxIdleTimeTheCallFails() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin(),
					"cloudrun.mcp.connections.max-idle-time=0")
			.run((context) -> {
				WebClient client = context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME, WebClient.class);
				assertThat(post(client)).isEqualTo("ok");
				Thread.sleep(FORGOTTEN_AFTER.toMillis() + 300);
				assertThatExceptionOfType(WebClientRequestException.class).isThrownBy(() -> post(client));
			});
	}

	@Test
	void aConnectorBeanOfTheApplicationIsTheOneOfTheLibrarysWebClient() {
		AtomicInteger requests = new AtomicInteger();
		ReactorClientHttpConnector reactor = new ReactorClientHttpConnector();
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin())
			.withBean(ClientHttpConnector.class, () -> (method, uri, callback) -> {
				requests.incrementAndGet();
				return reactor.connect(method, uri, callback);
			})
			.run((context) -> {
				WebClient client = context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME, WebClient.class);
				assertThat(post(client)).isEqualTo("ok");
				assertThat(requests).hasValue(1);
			});
	}

	@Test
	void aConnectorBuilderBeanOfTheApplicationBuildsTheConnectorOfTheLibrarysWebClient() {
		AtomicInteger requests = new AtomicInteger();
		this.runner.withPropertyValues("cloudrun.mcp.base-url=" + this.proxy.origin())
			.withBean(ClientHttpConnectorBuilder.class,
					() -> ClientHttpConnectorBuilder.reactor()
						.withHttpClientFactory(() -> HttpClient.create()
							.doOnRequest((request, connection) -> requests.incrementAndGet())))
			.run((context) -> {
				WebClient client = context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME, WebClient.class);
				assertThat(post(client)).isEqualTo("ok");
				assertThat(requests).hasValue(1);
			});
	}

	private String post(WebClient client) {
		return client.post()
			.uri(this.proxy.origin() + "/mcp")
			.bodyValue("{}")
			.retrieve()
			.bodyToMono(String.class)
			.block(Duration.ofSeconds(10));
	}

}
