package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.server.McpDelivery;
import io.github.cloudrunmcp.server.McpServer;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * How each server's events are delivered ({@code cloudrun.mcp.delivery} and
 * {@code cloudrun.mcp.servers.<name>.delivery}), and the bean names of the fleet that
 * delivers them {@code once}.
 */
final class McpDeliveries {

	static final String FLEET_SOURCE = "mcpFleetSource";

	static final String FLEET_HOLDER = "mcpFleetHolder";

	private McpDeliveries() {
	}

	/**
	 * Return how a server's events are delivered.
	 */
	static McpDelivery of(CloudRunMcpProperties properties, McpServer server) {
		CloudRunMcpProperties.Server named = properties.getServers().get(server.name());
		McpDelivery delivery = (named != null) ? named.getDelivery() : null;
		return (delivery != null) ? delivery : properties.getDelivery();
	}

	/**
	 * Return whether any server is delivered {@code once}, before beans exist: for the
	 * condition of the fleet's auto-configuration.
	 */
	static boolean anyOnce(Environment environment) {
		CloudRunMcpProperties properties = Binder.get(environment)
			.bind("cloudrun.mcp", CloudRunMcpProperties.class)
			.orElseGet(CloudRunMcpProperties::new);
		if (properties.getBaseUrl() != null && properties.getDelivery() == McpDelivery.ONCE) {
			return true;
		}
		return properties.getServers()
			.values()
			.stream()
			.anyMatch((server) -> ((server.getDelivery() != null) ? server.getDelivery()
					: properties.getDelivery()) == McpDelivery.ONCE);
	}

	static String property(McpServer server) {
		return McpServer.DEFAULT_NAME.equals(server.name()) ? "cloudrun.mcp.delivery"
				: "cloudrun.mcp.servers." + server.name() + ".delivery";
	}

}
