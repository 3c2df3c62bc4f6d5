package io.github.cloudrunmcp.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.google.auth.oauth2.GoogleCredentials;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeProtectedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redirects from an https origin that gets ID tokens to plain http, against a loopback
 * TLS server with a certificate made for the test: the token, the session and resume
 * headers and the body never follow the downgrade, whichever header carries the token,
 * for a client built from Spring Boot's {@code WebClient.Builder} and for the library's
 * own client.
 */
class TlsDowngradeRedirectTests {

	private static final String PASSWORD = "changeit";

	@TempDir
	static Path keys;

	private static Path keyStore;

	private FakeMetadataServer metadata;

	private TlsServer tls;

	private FakeProtectedServer plain;

	@BeforeAll
	static void makeCertificate() throws Exception {
		keyStore = keys.resolve("loopback.p12");
		Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
				"-genkeypair", "-alias", "loopback", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
				"CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore",
				keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
			.redirectErrorStream(true)
			.start();
		String output = new String(keytool.getInputStream().readAllBytes());
		assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(keytool.exitValue()).as(output).isZero();
	}

	@AfterAll
	static void forget() throws IOException {
		Files.deleteIfExists(keyStore);
	}

	@BeforeEach
	void start() throws Exception {
		this.metadata = FakeMetadataServer.started();
		this.tls = new TlsServer(keyStore);
		// The downgrade's target: plain http that takes anything.
		this.plain = FakeProtectedServer.started(this.metadata.issuer()).authRequired(false);
	}

	@AfterEach
	void stop() {
		this.plain.stop();
		this.tls.stop();
		this.metadata.stop();
	}

	private ApplicationContextRunner runner(String header) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, SslAutoConfiguration.class,
					HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
					WebClientAutoConfiguration.class, CodecsAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.base-url=" + this.tls.origin(), "cloudrun.mcp.auth.mode=google",
					"cloudrun.mcp.auth.header=" + header, "cloudrun.mcp.stream.enabled=false",
					// The clients trust the test's certificate through an SSL bundle, as
					// an
					// application would.
					"spring.ssl.bundle.jks.loopback.truststore.location=file:" + keyStore,
					"spring.ssl.bundle.jks.loopback.truststore.password=" + PASSWORD,
					"spring.ssl.bundle.jks.loopback.truststore.type=PKCS12", "spring.http.clients.ssl.bundle=loopback")
			.withBean(GoogleCredentials.class, this.metadata::credentials);
	}

	@ParameterizedTest(name = "{0} {1} to http on {2} port, token in {3}")
	@CsvSource({ "GET, 302, another, authorization", "GET, 307, another, authorization",
			"POST, 307, another, authorization", "POST, 308, another, authorization",
			"GET, 301, the same, authorization", "POST, 307, the same, authorization",
			"GET, 302, another, x-serverless-authorization", "GET, 307, another, x-serverless-authorization",
			"POST, 307, another, x-serverless-authorization", "POST, 308, another, x-serverless-authorization",
			"GET, 301, the same, x-serverless-authorization", "POST, 307, the same, x-serverless-authorization" })
	void aDowngradeIsReturnedNotFollowed(String method, int status, String port, String header) {
		String target = port.equals("the same") ? "http://127.0.0.1:" + this.tls.port() + "/landing"
				: this.plain.origin() + "/landing";
		this.tls.redirect(status, target);
		runner(header).run((context) -> {
			WebClient userClient = context.getBean(WebClient.Builder.class).build();
			WebClient libraryClient = context.getBean(CloudRunMcpAutoConfiguration.WEB_CLIENT_BEAN_NAME,
					WebClient.class);
			for (WebClient client : List.of(userClient, libraryClient)) {
				int answered = client.method(HttpMethod.valueOf(method))
					.uri(this.tls.origin() + "/moved")
					.header("Mcp-Session-Id", "session-1")
					.header("Last-Event-ID", "41")
					.bodyValue("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}")
					.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
					.block(Duration.ofSeconds(60));
				assertThat(answered).isEqualTo(status);
			}
			// Both requests reached the https origin with the token, over TLS.
			assertThat(this.tls.requests()).hasSize(2)
				.allSatisfy((request) -> assertThat(request.token(header)).startsWith("Bearer ey"))
				.allSatisfy((request) -> assertThat(request.path()).isEqualTo("/moved"));
			// Nothing reached plain http: not on another port, and on the TLS port no
			// second request was parsed.
			assertThat(this.plain.requests()).isEmpty();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "authorization", "x-serverless-authorization" })
	void aRedirectWithinTheHttpsOriginIsFollowedWithTheToken(String header) {
		this.tls.redirect(302, "/landing");
		runner(header).run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			String body = client.get()
				.uri(this.tls.origin() + "/moved")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(60));
			assertThat(body).isEqualTo("landed");
			assertThat(this.tls.requests()).extracting(Recorded::path).containsExactly("/moved", "/landing");
			assertThat(this.tls.requests())
				.allSatisfy((request) -> assertThat(request.token(header)).startsWith("Bearer ey"));
		});
	}

	/** A request the TLS server received. */
	record Recorded(String path, com.sun.net.httpserver.Headers headers) {

		String token(String header) {
			String value = this.headers.getFirst(header);
			return (value != null) ? value : "";
		}

	}

	/**
	 * An https server on loopback that answers {@code /moved} with a redirect and
	 * anything else with {@code landed}.
	 */
	private static final class TlsServer {

		private final HttpsServer server;

		private final ExecutorService executor = Executors.newCachedThreadPool();

		private final List<Recorded> requests = new CopyOnWriteArrayList<>();

		private volatile int status = 302;

		private volatile String location = "/";

		TlsServer(Path keyStore) throws Exception {
			KeyStore keys = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(keyStore)) {
				keys.load(in, PASSWORD.toCharArray());
			}
			KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			managers.init(keys, PASSWORD.toCharArray());
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(managers.getKeyManagers(), null, null);
			this.server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			this.server.setHttpsConfigurator(new HttpsConfigurator(context));
			this.server.setExecutor(this.executor);
			this.server.createContext("/", this::handle);
			this.server.start();
		}

		void redirect(int status, String location) {
			this.status = status;
			this.location = location;
		}

		int port() {
			return this.server.getAddress().getPort();
		}

		String origin() {
			return "https://127.0.0.1:" + port();
		}

		List<Recorded> requests() {
			return List.copyOf(this.requests);
		}

		private void handle(HttpExchange exchange) throws IOException {
			try (exchange) {
				exchange.getRequestBody().readAllBytes();
				String path = exchange.getRequestURI().getPath();
				this.requests.add(new Recorded(path, exchange.getRequestHeaders()));
				if (path.equals("/moved")) {
					exchange.getResponseHeaders().set("Location", this.location);
					exchange.sendResponseHeaders(this.status, -1);
					return;
				}
				byte[] body = "landed".getBytes();
				exchange.sendResponseHeaders(200, body.length);
				exchange.getResponseBody().write(body);
			}
		}

		void stop() {
			this.server.stop(0);
			this.executor.shutdownNow();
		}

	}

}
