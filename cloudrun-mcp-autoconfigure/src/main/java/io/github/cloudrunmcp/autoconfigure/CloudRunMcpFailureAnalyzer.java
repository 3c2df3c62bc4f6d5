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
		if (analysis == null) {
			analysis = this.credentials.analyze(failure);
		}
		return (analysis != null) ? analysis : analyzeInitialization(failure);
	}

	private static @Nullable FailureAnalysis analyzeInitialization(Throwable failure) {
		// By name: the MCP SDK, and with it this exception's superclass, is optional.
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause.getClass().getName().equals("io.github.cloudrunmcp.protocol.McpInitializationException")) {
				return new FailureAnalysis(cause.getMessage(),
						"Start the MCP server or fix its base-url and mcp-path; or set fail-fast=false for it "
								+ "(cloudrun.mcp.fail-fast or cloudrun.mcp.servers.<name>.fail-fast) so that the "
								+ "application starts and connects when the server is up.",
						cause);
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
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
