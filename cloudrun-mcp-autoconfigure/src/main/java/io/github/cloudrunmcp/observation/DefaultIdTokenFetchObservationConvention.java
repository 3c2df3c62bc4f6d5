package io.github.cloudrunmcp.observation;

import java.util.concurrent.TimeoutException;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import org.jspecify.annotations.Nullable;

/**
 * The observation {@code mcp.token.fetch} of every ID-token fetch (a cache miss or a
 * refresh, not every request).
 *
 * <p>
 * Low-cardinality keys (on the timer too): {@code mcp.token.source} (where tokens come
 * from: {@code metadata-server}, {@code impersonated}, {@code service-account}, ...),
 * {@code server.address} (the audience's host), {@code error.type} (the exception's
 * simple class name, {@code timeout}, or {@code none}) and {@code outcome}
 * ({@code SUCCESS}, {@code FAILURE}): the timer's count with {@code outcome=FAILURE} is
 * the number of failed fetches. No key holds the token.
 */
public class DefaultIdTokenFetchObservationConvention implements IdTokenFetchObservationConvention {

	/** Name of the observation and of its timer. */
	public static final String NAME = "mcp.token.fetch";

	private static final String NONE = "none";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(IdTokenFetchObservationContext context) {
		String host = context.getAudienceHost();
		return "id token " + ((host != null) ? host : NONE);
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(IdTokenFetchObservationContext context) {
		String host = context.getAudienceHost();
		String errorType = errorType(context.getError());
		return KeyValues.of(KeyValue.of("mcp.token.source", context.getSource()),
				KeyValue.of("server.address", (host != null) ? host : NONE),
				KeyValue.of("error.type", (errorType != null) ? errorType : NONE),
				KeyValue.of("outcome", (errorType != null) ? "FAILURE" : "SUCCESS"));
	}

	private static @Nullable String errorType(@Nullable Throwable error) {
		if (error == null) {
			return null;
		}
		return (error instanceof TimeoutException) ? "timeout" : error.getClass().getSimpleName();
	}

}
