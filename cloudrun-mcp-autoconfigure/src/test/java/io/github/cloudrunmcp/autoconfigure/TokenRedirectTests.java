package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.stream.McpEventStream;
import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeProtectedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redirects of requests that carry an ID token, through Spring Boot's
 * {@code WebClient.Builder} with its default redirect setting (follow when possible): the
 * token, the headers and the body never reach another origin.
 */
class TokenRedirectTests {

	private FakeMetadataServer metadata;

	private FakeProtectedServer server;

	private FakeProtectedServer foreign;

	@BeforeEach
	void start() {
		this.metadata = FakeMetadataServer.started();
		this.server = FakeProtectedServer.started(this.metadata.issuer());
		// Another port on the same host is another origin.
		this.foreign = FakeProtectedServer.started(this.metadata.issuer()).authRequired(false);
	}

	@AfterEach
	void stop() {
		this.foreign.stop();
		this.server.stop();
		this.metadata.stop();
	}

	private ApplicationContextRunner runner(String header) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class,
					HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
					WebClientAutoConfiguration.class, CodecsAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(), "cloudrun.mcp.auth.mode=google",
					"cloudrun.mcp.auth.header=" + header, "cloudrun.mcp.stream.enabled=false")
			.withBean(GoogleCredentials.class, this.metadata::credentials);
	}

	@ParameterizedTest(name = "{0} {1} in {2}")
	@CsvSource({ "GET, 301, authorization", "GET, 302, authorization", "GET, 303, authorization",
			"GET, 307, authorization", "GET, 308, authorization", "POST, 307, authorization",
			"POST, 308, authorization", "POST, 302, authorization", "GET, 301, x-serverless-authorization",
			"GET, 302, x-serverless-authorization", "GET, 303, x-serverless-authorization",
			"GET, 307, x-serverless-authorization", "GET, 308, x-serverless-authorization",
			"POST, 307, x-serverless-authorization", "POST, 308, x-serverless-authorization",
			"POST, 303, x-serverless-authorization" })
	void redirectToAnotherOriginIsReturnedNotFollowed(String method, int status, String header) {
		this.server.route("/moved", status, "", "Location", this.foreign.origin() + "/landing");
		runner(header).run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			int answered = client.method(HttpMethod.valueOf(method))
				.uri(this.server.origin() + "/moved")
				.header("Mcp-Session-Id", "session-1")
				.header("Last-Event-ID", "41")
				.bodyValue("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}")
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
				.block(Duration.ofSeconds(10));
			assertThat(answered).isEqualTo(status);
			assertThat(this.server.requests()).singleElement()
				.satisfies((request) -> assertThat(request.verification().valid()).isTrue());
			assertThat(this.foreign.requests()).isEmpty();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "authorization", "x-serverless-authorization" })
	void jdkConnectorDoesNotFollowARedirectToAnotherOrigin(String header) {
		this.server.route("/moved", 307, "", "Location", this.foreign.origin() + "/landing");
		runner(header).withPropertyValues("spring.http.clients.reactive.connector=jdk").run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			int answered = client.post()
				.uri(this.server.origin() + "/moved")
				.bodyValue("{}")
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
				.block(Duration.ofSeconds(10));
			assertThat(answered).isEqualTo(307);
			assertThat(this.foreign.requests()).isEmpty();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "authorization", "x-serverless-authorization" })
	void redirectWithinTheOriginIsFollowedWithTheToken(String header) {
		this.server.route("/moved", 302, "", "Location", "/landing");
		runner(header).run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			String body = client.get()
				.uri(this.server.origin() + "/moved")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(10));
			assertThat(body).contains(this.metadata.issuer().email());
			assertThat(this.server.requests()).hasSize(2)
				.allSatisfy((request) -> assertThat(request.verification().valid()).isTrue());
			assertThat(this.server.requests().get(1).uri()).isEqualTo("/landing");
		});
	}

	@Test
	void redirectsOfOtherOriginsAreStillFollowed() {
		this.foreign.route("/hop", 302, "", "Location", this.server.origin() + "/from-elsewhere");
		runner("x-serverless-authorization").run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			client.get()
				.uri(this.foreign.origin() + "/hop")
				.retrieve()
				.toBodilessEntity()
				.onErrorComplete()
				.block(Duration.ofSeconds(10));
			assertThat(this.foreign.requests()).singleElement()
				.satisfies((request) -> assertThat(request.hadToken()).isFalse());
			// Followed; the filter did not run for the redirect, so it carries no token.
			assertThat(this.server.requests()).singleElement().satisfies((request) -> {
				assertThat(request.uri()).isEqualTo("/from-elsewhere");
				assertThat(request.hadToken()).isFalse();
			});
		});
	}

	@Test
	void eventStreamDoesNotFollowARedirectToAnotherOrigin() {
		this.server.route("/events", 307, "", "Location", this.foreign.origin() + "/events");
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpEventStreamAutoConfiguration.class,
							HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
							WebClientAutoConfiguration.class, CodecsAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.base-url=" + this.server.origin(), "cloudrun.mcp.auth.mode=google",
					"cloudrun.mcp.auth.header=x-serverless-authorization",
					"cloudrun.mcp.stream.reconnect.initial-delay=50ms", "cloudrun.mcp.stream.reconnect.max-attempts=2")
			.withBean(GoogleCredentials.class, this.metadata::credentials)
			.run((context) -> {
				McpEventStream stream = context.getBean(McpEventStream.class);
				stream.start();
				McpStreamStatus settled = stream.statusChanges()
					.filter((status) -> status.state() == McpStreamStatus.State.FAILED
							|| status.state() == McpStreamStatus.State.RECONNECTING)
					.blockFirst(Duration.ofSeconds(10));
				assertThat(settled).isNotNull();
				assertThat(this.server.requests()).isNotEmpty()
					.allSatisfy((request) -> assertThat(request.verification().valid()).isTrue());
				assertThat(this.foreign.requests()).isEmpty();
			});
	}

}
