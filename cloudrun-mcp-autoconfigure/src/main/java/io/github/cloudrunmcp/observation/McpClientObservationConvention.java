package io.github.cloudrunmcp.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the observations of MCP requests; a bean of this type replaces
 * {@link DefaultMcpClientObservationConvention}.
 */
public interface McpClientObservationConvention extends ObservationConvention<McpClientObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof McpClientObservationContext;
	}

}
