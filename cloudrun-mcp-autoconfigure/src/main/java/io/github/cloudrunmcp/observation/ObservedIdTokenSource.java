package io.github.cloudrunmcp.observation;

import java.io.IOException;
import java.util.Objects;

import io.github.cloudrunmcp.auth.IdToken;
import io.github.cloudrunmcp.auth.IdTokenSource;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdTokenSource} that observes every fetch ({@code mcp.token.fetch}): its
 * duration, source, audience host and outcome, never the token.
 */
public final class ObservedIdTokenSource implements IdTokenSource {

	private final IdTokenSource delegate;

	private final ObservationRegistry registry;

	private final @Nullable IdTokenFetchObservationConvention convention;

	/**
	 * Wrap a source.
	 * @param delegate the source that fetches
	 * @param registry where observations go
	 * @param convention replaces the default convention, or {@code null}
	 */
	public ObservedIdTokenSource(IdTokenSource delegate, ObservationRegistry registry,
			@Nullable IdTokenFetchObservationConvention convention) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
		this.registry = Objects.requireNonNull(registry, "registry");
		this.convention = convention;
	}

	@Override
	public IdToken fetch(String audience) throws IOException {
		IdTokenFetchObservationContext context = new IdTokenFetchObservationContext(audience, this.delegate.kind());
		Observation observation = Observation
			.createNotStarted(this.convention, new DefaultIdTokenFetchObservationConvention(), () -> context,
					this.registry)
			.start();
		try {
			return this.delegate.fetch(audience);
		}
		catch (IOException | RuntimeException ex) {
			observation.error(ex);
			throw ex;
		}
		finally {
			// Known once the fetch resolved the credentials.
			context.setSource(this.delegate.kind());
			observation.stop();
		}
	}

	@Override
	public String kind() {
		return this.delegate.kind();
	}

}
