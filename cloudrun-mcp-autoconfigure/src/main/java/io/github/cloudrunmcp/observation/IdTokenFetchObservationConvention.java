package io.github.cloudrunmcp.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the observations of ID-token fetches; a bean of this type
 * replaces {@link DefaultIdTokenFetchObservationConvention}.
 */
public interface IdTokenFetchObservationConvention extends ObservationConvention<IdTokenFetchObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof IdTokenFetchObservationContext;
	}

}
