package io.github.cloudrunmcp.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.auth.CachingIdTokenProvider;
import io.github.cloudrunmcp.auth.CredentialsSupplier;
import io.github.cloudrunmcp.auth.GoogleIdTokenSource;
import io.github.cloudrunmcp.auth.IdTokenExchangeFilterFunction;
import io.github.cloudrunmcp.auth.IdTokenProvider;
import io.github.cloudrunmcp.auth.IdTokenSource;
import io.github.cloudrunmcp.auth.IdTokenSourceDecorator;
import io.github.cloudrunmcp.auth.SameOriginRedirects;
import io.github.cloudrunmcp.auth.TokenRoute;
import io.github.cloudrunmcp.http.McpConnectionPool;
import io.github.cloudrunmcp.http.ReusedConnectionRetry;
import io.github.cloudrunmcp.server.AuthMode;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.stream.StreamSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.JdkClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.DependsOn;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration for cloudrun-mcp: the configured {@link McpServers}, Google ID
 * tokens for them, the {@link IdTokenExchangeFilterFunction} that attaches the tokens,
 * the {@link WebClient} that every MCP stream and client uses, and the registration of
 * each server's beans ({@link McpServerBeans}).
 */
@AutoConfiguration(afterName = "com.google.cloud.spring.autoconfigure.core.GcpContextAutoConfiguration")
@ConditionalOnClass({ WebClient.class, GoogleCredentials.class })
@ConditionalOnBooleanProperty(name = "cloudrun.mcp.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CloudRunMcpProperties.class)
public final class CloudRunMcpAutoConfiguration {

	/**
	 * Name of the authenticated {@link WebClient} that the MCP streams and clients use.
	 * Define a bean of that name to replace it; it should carry the
	 * {@link IdTokenExchangeFilterFunction}. It is not a default candidate for injection:
	 * ask for it with
	 * {@code @Qualifier(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME)}.
	 */
	public static final String WEB_CLIENT_BEAN_NAME = "cloudRunMcpWebClient";

	private static final Log logger = LogFactory.getLog(CloudRunMcpAutoConfiguration.class);

	@Bean
	static McpServerBeansInitializer cloudRunMcpServerBeansInitializer() {
		return new McpServerBeansInitializer();
	}

	@Bean
	static McpUnknownPropertiesCheck cloudRunMcpUnknownPropertiesCheck(Environment environment) {
		boolean strict = environment.getProperty("cloudrun.mcp.strict", Boolean.class, false);
		return new McpUnknownPropertiesCheck(new McpUnknownPropertyFinder(
				Map.of("cloudrun.mcp", CloudRunMcpProperties.class, "cloudrun.mcp.fleet", McpFleetProperties.class)),
				ConfigurationPropertySources.get(environment), strict);
	}

	@Bean
	@ConditionalOnMissingBean
	// An unknown key explains a missing base-url better than its absence does.
	@DependsOn("cloudRunMcpUnknownPropertiesCheck")
	McpServers mcpServers(CloudRunMcpProperties properties, ResourceLoader resourceLoader) {
		McpServers servers = new McpServersFactory(resourceLoader).create(properties);
		for (McpServer server : servers.all()) {
			logger.info(describe(server));
		}
		return servers;
	}

	@Bean
	@ConditionalOnMissingBean
	CredentialsSupplier cloudRunMcpCredentialsSupplier(CloudRunMcpProperties properties, ResourceLoader resourceLoader,
			ObjectProvider<GoogleCredentials> credentials,
			ObjectProvider<GcpCredentialsSupplierFactory> springCloudGcp) {
		GoogleCredentials bean = credentials.getIfUnique();
		if (bean != null) {
			return () -> bean;
		}
		String location = properties.getAuth().getCredentialsLocation();
		if (location != null) {
			return fromLocation(resourceLoader, location);
		}
		GcpCredentialsSupplierFactory gcp = springCloudGcp.getIfAvailable();
		return (gcp != null) ? gcp.create() : CredentialsSupplier.applicationDefault();
	}

	@Bean
	@ConditionalOnMissingBean
	IdTokenProvider cloudRunMcpIdTokenProvider(CredentialsSupplier credentialsSupplier,
			CloudRunMcpProperties properties, ObjectProvider<IdTokenSourceDecorator> decorators) {
		return provider(credentialsSupplier, properties.getAuth().getRefreshBeforeExpiry(), properties,
				decorators.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	IdTokenExchangeFilterFunction cloudRunMcpIdTokenFilter(McpServers servers, IdTokenProvider idTokenProvider,
			CredentialsSupplier credentialsSupplier, CloudRunMcpProperties properties, ResourceLoader resourceLoader,
			ObjectProvider<IdTokenSourceDecorator> decorators) {
		List<IdTokenSourceDecorator> sourceDecorators = decorators.orderedStream().toList();
		String defaultLocation = properties.getAuth().getCredentialsLocation();
		Map<String, CredentialsSupplier> suppliers = new HashMap<>();
		Map<String, IdTokenProvider> providers = new HashMap<>();
		List<TokenRoute> routes = new ArrayList<>();
		for (McpServer server : servers.all()) {
			if (!server.sendsToken()) {
				continue;
			}
			McpServer.Auth auth = server.auth();
			String location = auth.credentialsLocation();
			boolean ownCredentials = location != null && !location.equals(defaultLocation);
			boolean ownSchedule = !auth.refreshBeforeExpiry().equals(properties.getAuth().getRefreshBeforeExpiry());
			CredentialsSupplier supplier = ownCredentials
					? suppliers.computeIfAbsent(location, (key) -> fromLocation(resourceLoader, key))
					: credentialsSupplier;
			IdTokenProvider provider = (ownCredentials || ownSchedule)
					? providers.computeIfAbsent(location + "|" + auth.refreshBeforeExpiry(),
							(key) -> provider(supplier, auth.refreshBeforeExpiry(), properties, sourceDecorators))
					: idTokenProvider;
			if (auth.mode() == AuthMode.GOOGLE) {
				// Fail at start-up, not at the first request, when there is nothing to
				// mint with.
				new GoogleIdTokenSource(supplier).verify(server.audience());
			}
			routes.add(new TokenRoute(server.origin(), server.audience(), provider, auth.header(),
					auth.mode() == AuthMode.AUTO));
		}
		return new IdTokenExchangeFilterFunction(routes);
	}

	@Bean
	@ConditionalOnMissingBean
	StreamSettings cloudRunMcpStreamSettings(CloudRunMcpProperties properties) {
		return McpServersFactory.streamSettings(properties.getStream());
	}

	@Bean(defaultCandidate = false)
	@ConditionalOnMissingBean(name = "cloudRunMcpConnectionPool")
	McpConnectionPool cloudRunMcpConnectionPool(CloudRunMcpProperties properties,
			ObjectProvider<ReactorResourceFactory> resourceFactory) {
		ReactorResourceFactory factory = resourceFactory.getIfUnique();
		return McpConnectionPool.create((factory != null) ? factory.getConnectionProvider() : null,
				properties.getConnections().getMaxIdleTime());
	}

	@Bean(name = WEB_CLIENT_BEAN_NAME, defaultCandidate = false)
	@ConditionalOnMissingBean(name = WEB_CLIENT_BEAN_NAME)
	WebClient cloudRunMcpWebClient(ObjectProvider<WebClient.Builder> builders, IdTokenExchangeFilterFunction filter,
			@Qualifier("cloudRunMcpConnectionPool") McpConnectionPool pool,
			ObjectProvider<McpConnectorFactory> connectorFactories) {
		WebClient.Builder builder = builders.getIfAvailable(WebClient::builder).clone();
		McpConnectorFactory connectors = connectorFactories.getIfAvailable();
		ClientHttpConnector connector = (connectors != null) ? connectors.create(pool)
				: new ReactorClientHttpConnector(pool.httpClient());
		if (connector != null) {
			builder.clientConnector(connector);
		}
		return authenticatedClient(builder, filter);
	}

	/**
	 * Return a client from Spring Boot's builder (codecs, observation, customizers) when
	 * present, with the ID-token filter once and, closest to the network, the one retry
	 * of an idempotent request that met a reused connection closed under it.
	 */
	private static WebClient authenticatedClient(WebClient.Builder builder, IdTokenExchangeFilterFunction filter) {
		return builder.filters((filters) -> {
			if (!filters.contains(filter)) {
				filters.add(filter);
			}
			filters.add(new ReusedConnectionRetry());
		}).build();
	}

	private static IdTokenProvider provider(CredentialsSupplier supplier, java.time.Duration refreshBeforeExpiry,
			CloudRunMcpProperties properties, List<IdTokenSourceDecorator> decorators) {
		IdTokenSource source = new GoogleIdTokenSource(supplier);
		for (IdTokenSourceDecorator decorator : decorators) {
			source = decorator.decorate(source);
		}
		return new CachingIdTokenProvider(source, refreshBeforeExpiry, properties.getAuth().getFetchTimeout(),
				java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30), Schedulers.boundedElastic(),
				java.time.Clock.systemUTC());
	}

	private static CredentialsSupplier fromLocation(ResourceLoader resourceLoader, String location) {
		return () -> {
			try (InputStream in = resourceLoader.getResource(location).getInputStream()) {
				return GoogleCredentials.fromStream(in);
			}
			catch (IOException ex) {
				throw new IOException("could not read credentials from '" + location + "': " + ex.getMessage(), ex);
			}
		};
	}

	private static String describe(McpServer server) {
		String auth;
		if (server.sendsToken()) {
			auth = "ID tokens for audience " + server.audience() + " in the " + server.auth().header().headerName()
					+ " header (auth mode " + server.auth().mode().name().toLowerCase(java.util.Locale.ROOT) + ")";
		}
		else if (server.auth().mode() == AuthMode.NONE) {
			auth = "no ID token (auth mode none)";
		}
		else {
			auth = "no ID token (loopback host, auth mode auto)";
		}
		return "MCP server '" + server.name() + "' at " + server.baseUrl() + ": " + auth;
	}

	/**
	 * Creates a {@link CredentialsSupplier} over Spring Cloud GCP's credentials (its
	 * {@code CredentialsProvider} bean, configured by
	 * {@code spring.cloud.gcp.credentials.*}), so that one application has one notion of
	 * Google credentials.
	 */
	@FunctionalInterface
	interface GcpCredentialsSupplierFactory {

		CredentialsSupplier create();

	}

	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "cloudrun.mcp.client.enabled", matchIfMissing = true)
	static class McpSdkRequirementConfiguration {

		@Bean
		@Order(McpServerBeans.CHECK_ORDER)
		static McpServerBeans cloudRunMcpSdkRequirement() {
			return new McpSdkRequirement();
		}

	}

	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.google.api.gax.core.CredentialsProvider")
	static class SpringCloudGcpCredentialsConfiguration {

		@Bean
		GcpCredentialsSupplierFactory cloudRunMcpGcpCredentialsSupplierFactory(
				ObjectProvider<com.google.api.gax.core.CredentialsProvider> credentialsProvider) {
			return () -> {
				com.google.api.gax.core.CredentialsProvider provider = credentialsProvider.getIfUnique();
				if (provider == null) {
					return CredentialsSupplier.applicationDefault();
				}
				return () -> toGoogleCredentials(provider.getCredentials());
			};
		}

		private static GoogleCredentials toGoogleCredentials(com.google.auth.@Nullable Credentials credentials)
				throws IOException {
			if (credentials instanceof GoogleCredentials google) {
				return google;
			}
			throw new IOException("Spring Cloud GCP's CredentialsProvider returned "
					+ ((credentials != null) ? credentials.getClass().getName() : "null")
					+ ", which is not a GoogleCredentials");
		}

	}

	/**
	 * Keeps redirects of requests to a token origin inside that origin, in the connector
	 * of Spring Boot's {@code WebClient.Builder} (and so of every client built from it,
	 * the library's included): Reactor Netty follows a redirect inside the connection,
	 * where the ID-token filter does not run again.
	 */
	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ClientHttpConnectorBuilderCustomizer.class)
	static class RedirectConfiguration {

		@Bean
		ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> cloudRunMcpReactorRedirectPolicy(
				IdTokenExchangeFilterFunction filter) {
			SameOriginRedirects redirects = SameOriginRedirects.of(filter);
			return (builder) -> builder.withHttpClientCustomizer(redirects::applyTo);
		}

		/**
		 * The JDK's client has no hook per redirect, so it cannot keep a redirected
		 * request inside its origin: with any server that gets tokens, it follows none.
		 */
		@Bean
		ClientHttpConnectorBuilderCustomizer<JdkClientHttpConnectorBuilder> cloudRunMcpJdkRedirectPolicy(
				McpServers servers) {
			boolean tokens = servers.all().stream().anyMatch(McpServer::sendsToken);
			return (builder) -> tokens ? builder.withHttpClientCustomizer(
					(http) -> http.followRedirects(java.net.http.HttpClient.Redirect.NEVER)) : builder;
		}

	}

	/**
	 * Creates the connector of the library's {@link WebClient} over its own connection
	 * pool; {@code null} to keep the builder's connector.
	 */
	@FunctionalInterface
	interface McpConnectorFactory {

		@Nullable ClientHttpConnector create(McpConnectionPool pool);

	}

	/**
	 * The library's connector from Spring Boot's connector builder and settings
	 * ({@code spring.http.clients.*}, the redirect policy above), over the library's pool
	 * when the connector is Reactor Netty's; another connector (the JDK's) is kept as it
	 * is.
	 */
	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ClientHttpConnectorBuilder.class)
	@Conditional(ApplicationHttpConnectorCondition.NotDefined.class)
	static class ConnectorConfiguration {

		@Bean
		McpConnectorFactory cloudRunMcpConnectorFactory(ObjectProvider<ClientHttpConnectorBuilder<?>> builders,
				ObjectProvider<HttpClientSettings> settings, ObjectProvider<ReactorResourceFactory> resourceFactory) {
			return (pool) -> {
				ClientHttpConnectorBuilder<?> builder = builders.getIfUnique();
				if (builder == null) {
					return new ReactorClientHttpConnector(pool.httpClient());
				}
				if (!(builder instanceof ReactorClientHttpConnectorBuilder reactor)) {
					return null;
				}
				ReactorResourceFactory factory = resourceFactory.getIfUnique();
				return reactor.withHttpClientFactory(() -> {
					HttpClient client = pool.httpClient();
					return (factory != null) ? client.runOn(factory.getLoopResources()) : client;
				}).build(settings.getIfAvailable(HttpClientSettings::defaults));
			};
		}

	}

	/**
	 * The application's connector, when it defines one (or the builder or the Reactor
	 * resources Boot builds one from): its pool is the application's to set up, and
	 * {@code cloudrun.mcp.connections.max-idle-time} does not apply.
	 */
	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@Conditional(ApplicationHttpConnectorCondition.Defined.class)
	static class ApplicationConnectorConfiguration {

		@Bean
		McpConnectorFactory cloudRunMcpConnectorFactory(ObjectProvider<ClientHttpConnector> connectors) {
			return (pool) -> {
				ClientHttpConnector connector = connectors.getIfUnique();
				logger.info("The MCP servers' WebClient uses the application's HTTP connector"
						+ ((connector != null) ? " (" + connector.getClass().getSimpleName() + ")" : "")
						+ "; cloudrun.mcp.connections.max-idle-time does not apply to it: set the idle time of its "
						+ "connection pool below that of the servers and proxies in between.");
				return connector;
			};
		}

	}

	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.webclient.WebClientCustomizer")
	static class WebClientCustomizerConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "cloudRunMcpWebClientCustomizer")
		org.springframework.boot.webclient.WebClientCustomizer cloudRunMcpWebClientCustomizer(
				IdTokenExchangeFilterFunction filter) {
			return (builder) -> builder.filter(Objects.requireNonNull(filter));
		}

	}

}
