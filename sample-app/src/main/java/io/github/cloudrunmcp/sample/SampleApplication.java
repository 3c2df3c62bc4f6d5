package io.github.cloudrunmcp.sample;

import java.util.Map;

import com.google.auth.oauth2.GoogleCredentials;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeProtectedServer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The sample service. Without {@code cloudrun.mcp.base-url} (or
 * {@code CLOUDRUN_MCP_BASE_URL}) it runs against a local demo: a loopback metadata server
 * that mints ID tokens and a protected server that verifies them, so that the real token
 * path runs with no Google account.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(SampleApplication.class);
		FakeMetadataServer localMetadata = null;
		FakeProtectedServer localServer = null;
		if (isLocal(args)) {
			FakeMetadataServer metadata = FakeMetadataServer.started();
			FakeProtectedServer server = FakeProtectedServer.started(metadata.issuer());
			application.setAdditionalProfiles("local");
			application.setDefaultProperties(
					Map.of("cloudrun.mcp.base-url", server.origin(), "cloudrun.mcp.auth.mode", "google"));
			application.addInitializers((context) -> ((GenericApplicationContext) context)
				.registerBean(GoogleCredentials.class, metadata::credentials));
			localMetadata = metadata;
			localServer = server;
		}
		application.run(args).close();
		if (localMetadata != null && localServer != null) {
			localServer.stop();
			localMetadata.stop();
		}
	}

	private static boolean isLocal(String[] args) {
		for (String arg : args) {
			if (arg.startsWith("--cloudrun.mcp.base-url=")) {
				return false;
			}
		}
		return System.getenv("CLOUDRUN_MCP_BASE_URL") == null && System.getProperty("cloudrun.mcp.base-url") == null;
	}

}
