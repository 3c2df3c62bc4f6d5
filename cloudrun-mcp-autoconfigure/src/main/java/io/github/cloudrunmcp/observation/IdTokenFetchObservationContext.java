package io.github.cloudrunmcp.observation;

import java.net.URI;
import java.util.Objects;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an observation of one ID-token fetch knows: the audience, where the token comes
 * from and whether it came. It never holds the token.
 */
public final class IdTokenFetchObservationContext extends Observation.Context {

	private final String audience;

	private volatile String source;

	/**
	 * Create a context.
	 * @param audience the audience the token is fetched for
	 * @param source where tokens come from, as {@code metadata-server}
	 */
	public IdTokenFetchObservationContext(String audience, String source) {
		this.audience = Objects.requireNonNull(audience, "audience");
		this.source = Objects.requireNonNull(source, "source");
	}

	/**
	 * Return the audience.
	 * @return the audience
	 */
	public String getAudience() {
		return this.audience;
	}

	/**
	 * Return the host of the audience, the server the token is for.
	 * @return the host, or {@code null} when the audience is not a URL with a host
	 */
	public @Nullable String getAudienceHost() {
		try {
			return URI.create(this.audience).getHost();
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * Return where tokens come from.
	 * @return the source's name
	 */
	public String getSource() {
		return this.source;
	}

	/**
	 * Set where the token came from, once the fetch resolved the credentials.
	 * @param source the source's name
	 */
	public void setSource(String source) {
		this.source = Objects.requireNonNull(source, "source");
	}

}
