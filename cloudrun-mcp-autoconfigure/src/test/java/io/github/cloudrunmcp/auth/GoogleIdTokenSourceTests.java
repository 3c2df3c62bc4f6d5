package io.github.cloudrunmcp.auth;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.UserCredentials;
import io.github.cloudrunmcp.test.FakeMetadataServer;
import io.github.cloudrunmcp.test.FakeMetadataServer.Failure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class GoogleIdTokenSourceTests {

	private static final String AUDIENCE = "https://mcp-abc123-uc.a.run.app";

	private FakeMetadataServer metadata;

	@BeforeEach
	void startMetadataServer() {
		this.metadata = FakeMetadataServer.started();
	}

	@AfterEach
	void stopMetadataServer() {
		this.metadata.stop();
	}

	@Test
	void fetchesSignedTokenForAudienceFromMetadataServer() {
		GoogleIdTokenSource source = new GoogleIdTokenSource(this.metadata::credentials);
		IdToken token = source.fetch(AUDIENCE);
		assertThat(this.metadata.issuer().verify(token.value(), AUDIENCE).valid()).isTrue();
		assertThat(token.expiresAt()).isBetween(Instant.now().plus(Duration.ofMinutes(59)),
				Instant.now().plus(Duration.ofMinutes(61)));
		assertThat(this.metadata.identityCalls(AUDIENCE)).isEqualTo(1);
		assertThat(token.toString()).doesNotContain(token.value()).contains("redacted");
	}

	@Test
	void metadataServerErrorNamesAudienceAndCause() {
		this.metadata.fail(Failure.SERVER_ERROR);
		GoogleIdTokenSource source = new GoogleIdTokenSource(this.metadata::credentials);
		assertThatExceptionOfType(IdTokenUnavailableException.class).isThrownBy(() -> source.fetch(AUDIENCE))
			.withMessageContaining("audience '" + AUDIENCE + "'")
			.withMessageContaining("metadata server")
			.withMessageContaining("Cloud Run, GKE or GCE")
			.satisfies((ex) -> assertThat(ex.getAudience()).isEqualTo(AUDIENCE));
	}

	@Test
	void metadataServerDownNamesAudience() {
		this.metadata.stop();
		GoogleIdTokenSource source = new GoogleIdTokenSource(this.metadata::credentials);
		assertThatExceptionOfType(IdTokenUnavailableException.class).isThrownBy(() -> source.fetch(AUDIENCE))
			.withMessageContaining(AUDIENCE)
			.withMessageContaining("retries");
	}

	@Test
	void malformedReplyIsReportedWithoutEchoingIt() {
		this.metadata.fail(Failure.MALFORMED);
		GoogleIdTokenSource source = new GoogleIdTokenSource(this.metadata::credentials);
		IdTokenUnavailableException ex = catchThrowableOfType(IdTokenUnavailableException.class,
				() -> source.fetch(AUDIENCE));
		assertThat(ex.getMessage()).contains("not an ID token").doesNotContain("this-is-not-a-jwt");
	}

	@Test
	void missingCredentialsAreReportedAsMissingWithSetupAdvice() {
		GoogleIdTokenSource source = new GoogleIdTokenSource(() -> {
			throw new IOException("Your default credentials were not found.");
		});
		GoogleCredentialsUnusableException ex = catchThrowableOfType(GoogleCredentialsUnusableException.class,
				() -> source.fetch(AUDIENCE));
		assertThat(ex.isMissing()).isTrue();
		assertThat(ex.getMessage()).contains(AUDIENCE)
			.contains("--impersonate-service-account")
			.contains("cloudrun.mcp.auth.credentials-location")
			.contains("cloudrun.mcp.auth.mode=none");
	}

	@Test
	void applicationDefaultCredentialsNotFoundIsMissing() {
		// The test JVM runs with NO_GCE_CHECK=true and no GOOGLE_APPLICATION_CREDENTIALS.
		GoogleIdTokenSource source = new GoogleIdTokenSource(CredentialsSupplier.applicationDefault());
		GoogleCredentialsUnusableException ex = catchThrowableOfType(GoogleCredentialsUnusableException.class,
				() -> source.verify(AUDIENCE));
		assertThat(ex.isMissing()).isTrue();
	}

	@Test
	void gcloudUserCredentialsAreRejectedWithImpersonationAdvice() {
		UserCredentials user = UserCredentials.newBuilder()
			.setClientId("client")
			.setClientSecret("secret")
			.setRefreshToken("refresh")
			.build();
		GoogleIdTokenSource source = new GoogleIdTokenSource(() -> user);
		GoogleCredentialsUnusableException ex = catchThrowableOfType(GoogleCredentialsUnusableException.class,
				() -> source.fetch(AUDIENCE));
		assertThat(ex.isMissing()).isFalse();
		assertThat(ex.getMessage()).contains("gcloud user credentials")
			.contains("gcloud auth application-default login --impersonate-service-account=");
	}

	@Test
	void credentialsThatCannotMintIdTokensAreRejected() {
		GoogleCredentials accessTokenOnly = GoogleCredentials.create(new AccessToken("x", null));
		GoogleIdTokenSource source = new GoogleIdTokenSource(() -> accessTokenOnly);
		assertThatExceptionOfType(GoogleCredentialsUnusableException.class).isThrownBy(() -> source.verify(AUDIENCE))
			.withMessageContaining("cannot mint an ID token")
			.withMessageContaining("impersonation");
	}

	@Test
	void redactRemovesJwtsFromMessages() {
		String jwt = this.metadata.issuer().mint(AUDIENCE, Duration.ofMinutes(5));
		assertThat(GoogleIdTokenSource.redact("bad token " + jwt + " here")).doesNotContain(jwt).contains("<redacted>");
	}

}
