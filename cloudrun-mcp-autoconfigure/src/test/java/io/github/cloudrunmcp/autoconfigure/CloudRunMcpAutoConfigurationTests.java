package io.github.cloudrunmcp.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.google.api.gax.core.CredentialsProvider;
import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.auth.CredentialsSupplier;
import io.github.cloudrunmcp.auth.IdToken;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.auth.IdTokenProvider;
import io.github.cloudrunmcp.auth.TokenRoute;
import io.github.cloudrunmcp.auth.TokenRoute.TokenHeader;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpConfigurationException;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.StreamSettings;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeProtectedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class CloudRunMcpAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class));

	private FakeMetadataServer metadata;

	@BeforeEach
	void startMetadata() {
		this.metadata = FakeMetadataServer.started();
	}

	@AfterEach
	void stopMetadata() {
		this.metadata.stop();
	}

	private static McpServer server(AssertableApplicationContext context, String name) {
		return context.getBean(McpServers.class).get(name);
	}

	@Test
	void defaultsForTheDefaultServer() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp-abc123-uc.a.run.app/").run((context) -> {
			assertThat(context).hasNotFailed()
				.hasSingleBean(McpServers.class)
				.hasSingleBean(IdTokenProvider.class)
				.hasSingleBean(IdTokenExchangeFilterFunction.class)
				.hasSingleBean(CredentialsSupplier.class);
			McpServer server = server(context, "default");
			assertThat(server.baseUrl()).isEqualTo(URI.create("https://mcp-abc123-uc.a.run.app"));
			assertThat(server.audience()).isEqualTo("https://mcp-abc123-uc.a.run.app");
			assertThat(server.auth().mode()).isEqualTo(AuthMode.AUTO);
			assertThat(server.auth().header()).isEqualTo(TokenHeader.AUTHORIZATION);
			assertThat(server.auth().refreshBeforeExpiry()).isEqualTo(Duration.ofMinutes(5));
			assertThat(server.auth().credentialsLocation()).isNull();
			assertThat(server.sendsToken()).isTrue();
			TokenRoute route = context.getBean(IdTokenExchangeFilterFunction.class)
				.routeFor(URI.create("https://mcp-abc123-uc.a.run.app/events"));
			assertThat(route).isNotNull();
			assertThat(route.optional()).isTrue();
		});
	}

	@Test
	void audienceDefaultsToOriginKeepingNonDefaultPort() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://MCP.example.com:8443/base/path")
			.run((context) -> {
				assertThat(server(context, "default").audience()).isEqualTo("https://mcp.example.com:8443");
				assertThat(server(context, "default").baseUrl())
					.isEqualTo(URI.create("https://MCP.example.com:8443/base/path"));
			});
	}

	@Test
	void overridesAreBound() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com",
				"cloudrun.mcp.audience=https://custom-audience.example.com", "cloudrun.mcp.auth.mode=google",
				"cloudrun.mcp.auth.header=x-serverless-authorization", "cloudrun.mcp.auth.refresh-before-expiry=10m")
			.withBean(GoogleCredentials.class, this.metadata::credentials)
			.run((context) -> {
				McpServer server = server(context, "default");
				assertThat(server.audience()).isEqualTo("https://custom-audience.example.com");
				assertThat(server.auth().mode()).isEqualTo(AuthMode.GOOGLE);
				assertThat(server.auth().header()).isEqualTo(TokenHeader.X_SERVERLESS_AUTHORIZATION);
				assertThat(server.auth().refreshBeforeExpiry()).isEqualTo(Duration.ofMinutes(10));
				TokenRoute route = context.getBean(IdTokenExchangeFilterFunction.class)
					.routeFor(URI.create("https://mcp.example.com/x"));
				assertThat(route.audience()).isEqualTo("https://custom-audience.example.com");
				assertThat(route.optional()).isFalse();
			});
	}

	@Test
	void namedServersInheritWhatTheyDoNotSet() {
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=https://a.example.com", "cloudrun.mcp.auth.mode=auto",
					"cloudrun.mcp.auth.header=x-serverless-authorization",
					"cloudrun.mcp.servers.search.base-url=https://search.example.com",
					"cloudrun.mcp.servers.tools.base-url=https://tools.example.com",
					"cloudrun.mcp.servers.tools.audience=https://tools-aud.example.com",
					"cloudrun.mcp.servers.tools.auth.header=authorization",
					"cloudrun.mcp.servers.tools.auth.refresh-before-expiry=2m",
					"cloudrun.mcp.servers.local.base-url=http://localhost:9000")
			.run((context) -> {
				assertThat(context.getBean(McpServers.class).all()).extracting(McpServer::name)
					.containsExactly("default", "search", "tools", "local");
				McpServer search = server(context, "search");
				assertThat(search.audience()).isEqualTo("https://search.example.com");
				assertThat(search.auth().header()).isEqualTo(TokenHeader.X_SERVERLESS_AUTHORIZATION);
				assertThat(search.auth().refreshBeforeExpiry()).isEqualTo(Duration.ofMinutes(5));
				McpServer tools = server(context, "tools");
				assertThat(tools.audience()).isEqualTo("https://tools-aud.example.com");
				assertThat(tools.auth().header()).isEqualTo(TokenHeader.AUTHORIZATION);
				assertThat(tools.auth().refreshBeforeExpiry()).isEqualTo(Duration.ofMinutes(2));
				McpServer local = server(context, "local");
				assertThat(local.sendsToken()).isFalse();
				IdTokenExchangeFilterFunction filter = context.getBean(IdTokenExchangeFilterFunction.class);
				assertThat(filter.routeFor(URI.create("https://search.example.com/x")).header())
					.isEqualTo(TokenHeader.X_SERVERLESS_AUTHORIZATION);
				assertThat(filter.routeFor(URI.create("http://localhost:9000/x"))).isNull();
			});
	}

	@Test
	void disabledCreatesNothing() {
		this.runner.withPropertyValues("cloudrun.mcp.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(McpServers.class)
				.doesNotHaveBean(IdTokenExchangeFilterFunction.class));
	}

	@Test
	void userBeansWin() {
		IdTokenProvider custom = (audience) -> Mono.just(new IdToken("custom", java.time.Instant.MAX));
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean("myProvider", IdTokenProvider.class, () -> custom)
			.withBean("myCredentials", CredentialsSupplier.class, () -> this.metadata::credentials)
			.run((context) -> {
				assertThat(context).hasSingleBean(IdTokenProvider.class).hasSingleBean(CredentialsSupplier.class);
				assertThat(context.getBean(IdTokenProvider.class)).isSameAs(custom);
				assertThat(context.getBean(IdTokenExchangeFilterFunction.class)
					.routeFor(URI.create("https://mcp.example.com"))
					.provider()).isSameAs(custom);
			});
	}

	@Test
	void userFilterAndServersWin() {
		IdTokenExchangeFilterFunction filter = new IdTokenExchangeFilterFunction(java.util.List.of());
		this.runner.withBean(McpServers.class, () -> new McpServers(java.util.List.of()))
			.withBean(IdTokenExchangeFilterFunction.class, () -> filter)
			.run((context) -> assertThat(context).hasNotFailed()
				.getBean(IdTokenExchangeFilterFunction.class)
				.isSameAs(filter));
	}

	@Test
	void googleCredentialsBeanIsUsed() throws IOException {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean(GoogleCredentials.class, this.metadata::credentials)
			.run((context) -> {
				IdToken token = context.getBean(IdTokenProvider.class).idToken("https://mcp.example.com").block();
				assertThat(this.metadata.issuer().verify(token.value(), "https://mcp.example.com").valid()).isTrue();
				assertThat(this.metadata.identityCalls()).isEqualTo(1);
			});
	}

	@Test
	void springCloudGcpCredentialsProviderIsUsed() {
		CredentialsProvider gcp = this.metadata::credentials;
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean("googleCredentials", CredentialsProvider.class, () -> gcp)
			.run((context) -> {
				GoogleCredentials credentials = context.getBean(CredentialsSupplier.class).get();
				assertThat(credentials).isInstanceOf(com.google.auth.oauth2.ComputeEngineCredentials.class);
				context.getBean(IdTokenProvider.class).idToken("https://mcp.example.com").block();
				assertThat(this.metadata.identityCalls()).isEqualTo(1);
			});
	}

	@Test
	void credentialsLocationIsRead(@TempDir Path dir) throws IOException {
		Path key = dir.resolve("impersonated.json");
		Files.writeString(key,
				"""
						{"type":"impersonated_service_account",
						 "service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken",
						 "source_credentials":{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}}
						""");
		this.runner
			.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com",
					"cloudrun.mcp.auth.credentials-location=file:" + key)
			.run((context) -> assertThat(context.getBean(CredentialsSupplier.class).get())
				.isInstanceOf(com.google.auth.oauth2.ImpersonatedCredentials.class));
	}

	@Test
	void webClientsFromBootBuilderCarryTheToken() {
		FakeProtectedServer server = FakeProtectedServer.started(this.metadata.issuer());
		try {
			new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, WebClientAutoConfiguration.class,
								org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration.class))
				.withPropertyValues("cloudrun.mcp.base-url=" + server.origin(), "cloudrun.mcp.auth.mode=google")
				.withBean(GoogleCredentials.class, this.metadata::credentials)
				.run((context) -> {
					WebClient client = context.getBean(WebClient.Builder.class).build();
					String body = client.get()
						.uri(server.origin() + "/hello")
						.retrieve()
						.bodyToMono(String.class)
						.block(Duration.ofSeconds(10));
					assertThat(body).contains(this.metadata.issuer().email());
					assertThat(server.requests()).singleElement()
						.satisfies((r) -> assertThat(r.verification().valid()).isTrue());
				});
		}
		finally {
			server.stop();
		}
	}

	@Test
	void googleModeFailsFastWithoutCredentials() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com", "cloudrun.mcp.auth.mode=google")
			.withBean(CredentialsSupplier.class, () -> () -> {
				throw new IOException("Your default credentials were not found.");
			})
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new CloudRunMcpFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("https://mcp.example.com")
					.contains("--impersonate-service-account");
				assertThat(analysis.getAction()).contains("cloudrun.mcp.auth.mode");
			});
	}

	@Test
	void autoModeStartsWithoutCredentials() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean(CredentialsSupplier.class, () -> () -> {
				throw new IOException("Your default credentials were not found.");
			})
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private void assertInvalid(String expectedProperty, String expectedMessage, String... properties) {
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(McpConfigurationException.class)
				.hasMessageContaining(expectedMessage)
				.satisfies(
						(ex) -> assertThat(((McpConfigurationException) ex).getProperty()).isEqualTo(expectedProperty));
			FailureAnalysis analysis = new CloudRunMcpFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains(expectedMessage);
			assertThat(analysis.getAction()).isNotBlank();
		});
	}

	@Test
	void missingBaseUrl() {
		assertInvalid("cloudrun.mcp.base-url", "cloudrun.mcp.base-url is not set");
	}

	@Test
	void malformedBaseUrl() {
		assertInvalid("cloudrun.mcp.base-url", "must be an absolute http(s) URL", "cloudrun.mcp.base-url=foo");
		assertInvalid("cloudrun.mcp.base-url", "got 'ftp://x.example.com'",
				"cloudrun.mcp.base-url=ftp://x.example.com");
		assertInvalid("cloudrun.mcp.base-url", "must be an absolute http(s) URL",
				"cloudrun.mcp.base-url=https://x.example.com/?q=1");
		assertInvalid("cloudrun.mcp.base-url", "must be an absolute http(s) URL",
				"cloudrun.mcp.base-url=https://user:pw@x.example.com");
		assertInvalid("cloudrun.mcp.base-url", "must be an absolute http(s) URL", "cloudrun.mcp.base-url=https://a b");
	}

	@Test
	void plainHttpToRemoteHostWithAuth() {
		assertInvalid("cloudrun.mcp.base-url", "would travel in clear text",
				"cloudrun.mcp.base-url=http://mcp.example.com");
		assertInvalid("cloudrun.mcp.servers.s.base-url", "would travel in clear text",
				"cloudrun.mcp.servers.s.base-url=http://mcp.example.com", "cloudrun.mcp.servers.s.auth.mode=google");
	}

	@Test
	void plainHttpToHostNameThatLooksLikeLoopbackWithAuth() {
		assertInvalid("cloudrun.mcp.base-url", "would travel in clear text",
				"cloudrun.mcp.base-url=http://127.evil.example");
	}

	@Test
	void plainHttpIsAllowedToLoopbackOrWithoutAuth() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=http://127.0.0.1:8080",
				"cloudrun.mcp.servers.open.base-url=http://mcp.internal", "cloudrun.mcp.servers.open.auth.mode=none")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void audienceThatIsNotAnAbsoluteUrl() {
		assertInvalid("cloudrun.mcp.audience", "must be an absolute URL, got 'my-audience'",
				"cloudrun.mcp.base-url=https://mcp.example.com", "cloudrun.mcp.audience=my-audience");
	}

	@Test
	void namedServerWithoutBaseUrl() {
		assertInvalid("cloudrun.mcp.servers.search.base-url", "cloudrun.mcp.servers.search.base-url is not set",
				"cloudrun.mcp.servers.search.audience=https://a.example.com");
	}

	@Test
	void reservedServerName() {
		assertInvalid("cloudrun.mcp.servers.default.base-url", "reserved",
				"cloudrun.mcp.servers.default.base-url=https://a.example.com");
	}

	@Test
	void refreshBeforeExpiryOutOfRange() {
		assertInvalid("cloudrun.mcp.auth.refresh-before-expiry", "between 0s and 59m",
				"cloudrun.mcp.base-url=https://a.example.com", "cloudrun.mcp.auth.refresh-before-expiry=2h");
	}

	@Test
	void missingCredentialsFile() {
		assertInvalid("cloudrun.mcp.auth.credentials-location", "does not exist",
				"cloudrun.mcp.base-url=https://a.example.com",
				"cloudrun.mcp.auth.credentials-location=file:/nonexistent/key.json");
	}

	@Test
	void sharedOriginWithDifferentAudiences() {
		assertInvalid("cloudrun.mcp.servers.b", "share the origin",
				"cloudrun.mcp.servers.a.base-url=https://x.example.com/a",
				"cloudrun.mcp.servers.b.base-url=https://x.example.com/b",
				"cloudrun.mcp.servers.b.audience=https://other.example.com");
	}

	@Test
	void backsOffWithoutWebClient() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(McpServers.class));
	}

	@Test
	void backsOffWithoutGoogleAuthLibrary() {
		this.runner.withClassLoader(new FilteredClassLoader(GoogleCredentials.class))
			.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(McpServers.class));
	}

	@Test
	void springCloudGcpBridgeNeedsGax() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context)
				.hasSingleBean(CloudRunMcpAutoConfiguration.GcpCredentialsSupplierFactory.class));
		this.runner.withClassLoader(new FilteredClassLoader(CredentialsProvider.class))
			.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(CredentialsSupplier.class)
				.doesNotHaveBean(CloudRunMcpAutoConfiguration.GcpCredentialsSupplierFactory.class));
	}

	@Test
	void webClientCustomizerNeedsSpringBootWebClient() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasBean("cloudRunMcpWebClientCustomizer"));
		this.runner.withClassLoader(new FilteredClassLoader(WebClientCustomizer.class))
			.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("cloudRunMcpWebClientCustomizer")
				.hasBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME));
	}

	@Test
	void webClientCustomizerBacksOffByName() {
		WebClientCustomizer own = (builder) -> {
		};
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean("cloudRunMcpWebClientCustomizer", WebClientCustomizer.class, () -> own)
			.run((context) -> assertThat(context).getBean("cloudRunMcpWebClientCustomizer").isSameAs(own));
	}

	@Test
	void authenticatedWebClientCarriesTheFilterOnce() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com").run((context) -> {
			WebClient client = context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME, WebClient.class);
			IdTokenExchangeFilterFunction filter = context.getBean(IdTokenExchangeFilterFunction.class);
			java.util.List<Object> filters = new java.util.ArrayList<>();
			client.mutate().filters(filters::addAll);
			assertThat(filters).containsOnlyOnce(filter);
		});
	}

	@Test
	void credentialsSupplierBacksOff() {
		CredentialsSupplier own = this.metadata::credentials;
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean("myCredentials", CredentialsSupplier.class, () -> own)
			.run((context) -> assertThat(context).getBean(CredentialsSupplier.class).isSameAs(own));
	}

	@Test
	void streamSettingsBackOff() {
		StreamSettings own = StreamSettings.defaults();
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.withBean("mySettings", StreamSettings.class, () -> own)
			.run((context) -> assertThat(context).getBean(StreamSettings.class).isSameAs(own));
	}

	@Test
	void invalidStreamSettingsFailStartUp() {
		assertInvalid("cloudrun.mcp.stream.buffer", "buffer must be at least 1",
				"cloudrun.mcp.base-url=https://a.example.com", "cloudrun.mcp.stream.buffer=0");
	}

	@Test
	void redirectPoliciesNeedSpringBootHttpClient() {
		this.runner.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasBean("cloudRunMcpReactorRedirectPolicy")
				.hasBean("cloudRunMcpJdkRedirectPolicy"));
		this.runner.withClassLoader(new FilteredClassLoader(ClientHttpConnectorBuilderCustomizer.class))
			.withPropertyValues("cloudrun.mcp.base-url=https://mcp.example.com")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("cloudRunMcpReactorRedirectPolicy")
				.doesNotHaveBean("cloudRunMcpJdkRedirectPolicy"));
	}

}
