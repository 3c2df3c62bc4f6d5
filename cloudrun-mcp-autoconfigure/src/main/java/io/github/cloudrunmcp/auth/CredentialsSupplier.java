package io.github.cloudrunmcp.auth;

import java.io.IOException;

import com.google.auth.oauth2.GoogleCredentials;

/**
 * Blocking supplier of the Google credentials that mint ID tokens: application default
 * credentials, a key file, or the credentials of Spring Cloud GCP.
 */
@FunctionalInterface
public interface CredentialsSupplier {

	/**
	 * Return the credentials, resolving them if needed.
	 * @return the credentials
	 * @throws IOException if no credentials can be found or read
	 */
	GoogleCredentials get() throws IOException;

	/**
	 * Return application default credentials: {@code GOOGLE_APPLICATION_CREDENTIALS}, the
	 * gcloud well-known file, then the metadata server on Cloud Run, GKE and GCE.
	 * @return the supplier
	 */
	static CredentialsSupplier applicationDefault() {
		return GoogleCredentials::getApplicationDefault;
	}

}
