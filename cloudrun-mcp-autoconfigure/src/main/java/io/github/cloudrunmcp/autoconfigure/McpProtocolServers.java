package io.github.cloudrunmcp.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpTransportType;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Reads, before beans exist, which configured servers there are and which transport each
 * uses, so that registrars can name their beans.
 */
final class McpProtocolServers {

	private McpProtocolServers() {
	}

	/**
	 * Return the configured servers' names with their transports, the default server
	 * first.
	 */
	static Map<String, McpTransportType> transports(Environment environment) {
		CloudRunMcpProperties properties = Binder.get(environment)
			.bind("cloudrun.mcp", CloudRunMcpProperties.class)
			.orElseGet(CloudRunMcpProperties::new);
		Map<String, McpTransportType> transports = new LinkedHashMap<>();
		if (properties.getBaseUrl() != null) {
			transports.put(McpServer.DEFAULT_NAME, properties.getTransport());
		}
		properties.getServers()
			.forEach((name, server) -> transports.putIfAbsent(name,
					(server.getTransport() != null) ? server.getTransport() : properties.getTransport()));
		return transports;
	}

	static String beanName(String prefix, String server) {
		return McpServer.DEFAULT_NAME.equals(server) ? prefix : prefix + "-" + server;
	}

}
