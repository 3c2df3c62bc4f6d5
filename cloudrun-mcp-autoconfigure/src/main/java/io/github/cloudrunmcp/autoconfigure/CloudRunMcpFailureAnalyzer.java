package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.auth.GoogleCredentialsUnusableException;
import io.github.cloudrunmcp.server.McpConfigurationException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * {@link FailureAnalyzer} for invalid {@code cloudrun.mcp.*} settings and unusable Google
 * credentials at start-up.
 */
class CloudRunMcpFailureAnalyzer implements FailureAnalyzer {

	private final ConfigurationFailureAnalyzer configuration = new ConfigurationFailureAnalyzer();

	private final CredentialsFailureAnalyzer credentials = new CredentialsFailureAnalyzer();

	@Override
	public @Nullable FailureAnalysis analyze(Throwable failure) {
		FailureAnalysis analysis = this.configuration.analyze(failure);
		return (analysis != null) ? analysis : this.credentials.analyze(failure);
	}

	private static final class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<McpConfigurationException> {

		@Override
		protected FailureAnalysis analyze(Throwable rootFailure, McpConfigurationException cause) {
			return new FailureAnalysis("Invalid cloudrun-mcp configuration: " + cause.getDescription(),
					cause.getAction(), cause);
		}

	}

	private static final class CredentialsFailureAnalyzer
			extends AbstractFailureAnalyzer<GoogleCredentialsUnusableException> {

		@Override
		protected FailureAnalysis analyze(Throwable rootFailure, GoogleCredentialsUnusableException cause) {
			return new FailureAnalysis("cloudrun-mcp cannot mint Google ID tokens: " + cause.getMessage(),
					"Provide usable Google credentials as described above, or set cloudrun.mcp.auth.mode=auto "
							+ "(requests go without a token when there are no credentials) or none.",
					cause);
		}

	}

}
