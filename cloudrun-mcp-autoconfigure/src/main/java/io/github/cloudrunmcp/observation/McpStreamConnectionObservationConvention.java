package io.github.cloudrunmcp.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the observations of event stream connections; a bean of this
 * type replaces {@link DefaultMcpStreamConnectionObservationConvention}.
 */
public interface McpStreamConnectionObservationConvention
		extends ObservationConvention<McpStreamConnectionObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof McpStreamConnectionObservationContext;
	}

}
