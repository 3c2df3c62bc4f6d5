package io.github.cloudrunmcp.auth;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import com.google.auth.oauth2.ComputeEngineCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdTokenCredentials;
import com.google.auth.oauth2.ImpersonatedCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;
import org.jspecify.annotations.Nullable;

/**
 * {@link IdTokenSource} over google-auth-library: {@link IdTokenCredentials} on top of
 * the {@link GoogleCredentials} that a {@link CredentialsSupplier} gives (the metadata
 * server on Cloud Run, GKE and GCE; a service-account key or impersonated credentials
 * elsewhere).
 *
 * <p>
 * Every call blocks on the network. Refresh scheduling is left to the caller:
 * {@code IdTokenCredentials} ignores the refresh margins its builder accepts.
 */
public final class GoogleIdTokenSource implements IdTokenSource {

	private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");

	private static final String SETUP_ADVICE = "On Cloud Run, GKE or GCE the metadata server provides credentials "
			+ "(check that the workload has a service account). Elsewhere run 'gcloud auth application-default login "
			+ "--impersonate-service-account=SA_EMAIL', or set cloudrun.mcp.auth.credentials-location to a "
			+ "service-account key or impersonation JSON; or set cloudrun.mcp.auth.mode=none for a server that "
			+ "needs no token.";

	private final CredentialsSupplier credentialsSupplier;

	private final Object lock = new Object();

	private volatile @Nullable GoogleCredentials credentials;

	/**
	 * Create a source over the given credentials.
	 * @param credentialsSupplier where the credentials come from
	 */
	public GoogleIdTokenSource(CredentialsSupplier credentialsSupplier) {
		this.credentialsSupplier = Objects.requireNonNull(credentialsSupplier, "credentialsSupplier");
	}

	@Override
	public IdToken fetch(String audience) {
		com.google.auth.oauth2.IdTokenProvider provider = idTokenProvider(audience);
		IdTokenCredentials idTokenCredentials = IdTokenCredentials.newBuilder()
			.setIdTokenProvider(provider)
			.setTargetAudience(audience)
			.setOptions(List.of(com.google.auth.oauth2.IdTokenProvider.Option.FORMAT_FULL))
			.build();
		try {
			idTokenCredentials.refresh();
			com.google.auth.oauth2.IdToken token = idTokenCredentials.getIdToken();
			if (token == null || token.getExpirationTime() == null) {
				throw new IdTokenUnavailableException(audience,
						"The " + describe(provider) + " returned no usable ID token for audience '" + audience + "'.",
						null);
			}
			return new IdToken(token.getTokenValue(), token.getExpirationTime().toInstant());
		}
		catch (IOException ex) {
			throw new IdTokenUnavailableException(audience,
					"Could not get an ID token for audience '" + audience + "' from the " + describe(provider) + ": "
							+ redact(ex.getMessage()) + ". " + adviceFor(provider)
							+ " The next request retries, with backoff.",
					ex);
		}
		catch (RuntimeException ex) {
			if (ex instanceof IdTokenUnavailableException) {
				throw ex;
			}
			throw new IdTokenUnavailableException(audience,
					"The " + describe(provider) + " answered with something that is not an ID token for audience '"
							+ audience + "' (" + ex.getClass().getSimpleName()
							+ "). Check that GCE_METADATA_HOST, if set, points at a metadata "
							+ "server. The next request retries, with backoff.",
					null);
		}
	}

	/**
	 * Return where tokens come from: {@code metadata-server}, {@code impersonated},
	 * {@code service-account}, the credentials' class, or {@code google} while they are
	 * not resolved yet.
	 * @return the name
	 */
	@Override
	public String kind() {
		GoogleCredentials resolved = this.credentials;
		if (resolved == null) {
			return "google";
		}
		if (resolved instanceof ComputeEngineCredentials) {
			return "metadata-server";
		}
		if (resolved instanceof ImpersonatedCredentials) {
			return "impersonated";
		}
		if (resolved instanceof ServiceAccountCredentials) {
			return "service-account";
		}
		return resolved.getClass().getSimpleName();
	}

	/**
	 * Resolve the credentials now and check that they can mint ID tokens, so that a
	 * misconfiguration fails at start-up rather than at the first request.
	 * @param audience an audience to name in the error message
	 * @throws GoogleCredentialsUnusableException if there are no usable credentials
	 */
	public void verify(String audience) {
		idTokenProvider(audience);
	}

	private com.google.auth.oauth2.IdTokenProvider idTokenProvider(String audience) {
		GoogleCredentials resolved = resolveCredentials(audience);
		if (resolved instanceof UserCredentials) {
			throw new GoogleCredentialsUnusableException(audience,
					"The application default credentials are gcloud user "
							+ "credentials, which cannot mint an ID token for audience '" + audience
							+ "': Cloud Run rejects their tokens. Run 'gcloud auth application-default login "
							+ "--impersonate-service-account=SA_EMAIL' (the account needs roles/run.invoker on the server "
							+ "and you need roles/iam.serviceAccountTokenCreator on it), or set "
							+ "cloudrun.mcp.auth.credentials-location to a service-account key.",
					false, null);
		}
		if (!(resolved instanceof com.google.auth.oauth2.IdTokenProvider provider)) {
			throw new GoogleCredentialsUnusableException(audience,
					"Credentials of type " + resolved.getClass().getSimpleName()
							+ " cannot mint an ID token for audience '" + audience
							+ "'. For workload identity federation (external_account), configure service-account "
							+ "impersonation (service_account_impersonation_url) so that ID tokens come from a service "
							+ "account, or use a service-account key via cloudrun.mcp.auth.credentials-location.",
					false, null);
		}
		return provider;
	}

	private GoogleCredentials resolveCredentials(String audience) {
		GoogleCredentials current = this.credentials;
		if (current != null) {
			return current;
		}
		synchronized (this.lock) {
			if (this.credentials == null) {
				try {
					this.credentials = Objects.requireNonNull(this.credentialsSupplier.get(),
							"CredentialsSupplier returned null");
				}
				catch (IOException ex) {
					throw new GoogleCredentialsUnusableException(audience,
							"No Google credentials to mint an ID token for audience '" + audience + "' ("
									+ redact(ex.getMessage()) + "). " + SETUP_ADVICE,
							true, ex);
				}
			}
			return this.credentials;
		}
	}

	private static String describe(com.google.auth.oauth2.IdTokenProvider provider) {
		if (provider instanceof ComputeEngineCredentials) {
			return "metadata server";
		}
		if (provider instanceof ImpersonatedCredentials) {
			return "IAM Credentials API (impersonated credentials)";
		}
		if (provider instanceof ServiceAccountCredentials) {
			return "Google token endpoint (service-account key)";
		}
		return provider.getClass().getSimpleName();
	}

	private static String adviceFor(com.google.auth.oauth2.IdTokenProvider provider) {
		if (provider instanceof ComputeEngineCredentials) {
			return "Is the app running on Cloud Run, GKE or GCE with a service account attached? " + SETUP_ADVICE;
		}
		if (provider instanceof ImpersonatedCredentials) {
			return "Check that the source credentials hold roles/iam.serviceAccountTokenCreator on the target "
					+ "service account.";
		}
		return "Check that the key is valid and not disabled.";
	}

	static String redact(@Nullable String message) {
		if (message == null) {
			return "no detail";
		}
		String oneLine = message.replace('\n', ' ').replace('\r', ' ');
		String redacted = JWT.matcher(oneLine).replaceAll("<redacted>");
		return (redacted.length() > 300) ? redacted.substring(0, 300) + "..." : redacted;
	}

}
