package io.github.cloudrunmcp.test;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import com.google.api.client.json.JsonFactory;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.json.webtoken.JsonWebSignature;
import com.google.api.client.json.webtoken.JsonWebToken;

/**
 * Mints and verifies RS256-signed ID tokens shaped like the ones Google's metadata server
 * issues ({@code iss}, {@code aud}, {@code azp}, {@code sub}, {@code email}, {@code iat},
 * {@code exp}), with a key pair generated for the test run.
 */
public final class TestTokenIssuer {

	/** Issuer claim of Google-signed ID tokens. */
	public static final String ISSUER = "https://accounts.google.com";

	private static final JsonFactory JSON = GsonFactory.getDefaultInstance();

	private final KeyPair keyPair;

	private final String email;

	private final Clock clock;

	/**
	 * Create an issuer for the given service account e-mail.
	 * @param email the e-mail claim of every token
	 * @param clock the clock for {@code iat} and {@code exp}
	 */
	public TestTokenIssuer(String email, Clock clock) {
		this.email = Objects.requireNonNull(email, "email");
		this.clock = Objects.requireNonNull(clock, "clock");
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			this.keyPair = generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("RSA is not available in this JVM", ex);
		}
	}

	/**
	 * Create an issuer for {@code sa@test-project.iam.gserviceaccount.com} on the system
	 * clock.
	 */
	public TestTokenIssuer() {
		this("sa@test-project.iam.gserviceaccount.com", Clock.systemUTC());
	}

	/**
	 * Return the e-mail claim of the tokens this issuer mints.
	 * @return the service account e-mail
	 */
	public String email() {
		return this.email;
	}

	/**
	 * Mint a signed token for an audience.
	 * @param audience the {@code aud} claim
	 * @param lifetime how long the token is valid from now
	 * @return the compact JWS
	 */
	public String mint(String audience, Duration lifetime) {
		Instant now = this.clock.instant();
		JsonWebSignature.Header header = new JsonWebSignature.Header();
		header.setAlgorithm("RS256");
		header.setType("JWT");
		header.setKeyId("test-key");
		JsonWebToken.Payload payload = new JsonWebToken.Payload();
		payload.setIssuer(ISSUER);
		payload.setAudience(audience);
		payload.set("azp", "1234567890");
		payload.setSubject("1234567890");
		payload.set("email", this.email);
		payload.set("email_verified", true);
		payload.setIssuedAtTimeSeconds(now.getEpochSecond());
		payload.setExpirationTimeSeconds(now.plus(lifetime).getEpochSecond());
		try {
			return JsonWebSignature.signUsingRsaSha256(this.keyPair.getPrivate(), JSON, header, payload);
		}
		catch (GeneralSecurityException | IOException ex) {
			throw new IllegalStateException("Could not sign a test token", ex);
		}
	}

	/**
	 * Verify a token: its RS256 signature against this issuer's key, its issuer, its
	 * audience and its expiry.
	 * @param token the compact JWS
	 * @param expectedAudience the audience the token must carry
	 * @return the verification outcome, with a reason when it failed
	 */
	public Verification verify(String token, String expectedAudience) {
		JsonWebSignature jws;
		try {
			jws = JsonWebSignature.parse(JSON, token);
		}
		catch (IOException | IllegalArgumentException ex) {
			return Verification.rejected("malformed token");
		}
		try {
			if (!"RS256".equals(jws.getHeader().getAlgorithm())
					|| !jws.verifySignature((RSAPublicKey) this.keyPair.getPublic())) {
				return Verification.rejected("bad signature");
			}
		}
		catch (GeneralSecurityException ex) {
			return Verification.rejected("bad signature");
		}
		JsonWebToken.Payload payload = jws.getPayload();
		if (!ISSUER.equals(payload.getIssuer())) {
			return Verification.rejected("wrong issuer");
		}
		if (!payload.getAudienceAsList().contains(expectedAudience)) {
			return Verification.rejected("wrong audience " + payload.getAudience());
		}
		Long exp = payload.getExpirationTimeSeconds();
		if (exp == null || this.clock.instant().getEpochSecond() >= exp) {
			return Verification.rejected("expired");
		}
		return new Verification(true, "ok", String.valueOf(payload.get("email")));
	}

	/**
	 * Outcome of {@link #verify(String, String)}.
	 *
	 * @param valid whether the token passed every check
	 * @param reason {@code ok} or why the token was rejected
	 * @param email the token's e-mail claim when valid
	 */
	public record Verification(boolean valid, String reason, String email) {

		static Verification rejected(String reason) {
			return new Verification(false, reason, "");
		}

	}

}
