package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.server.McpConfigurationException;

/**
 * Thrown at start-up when a server's transport is streamable-http but the MCP Java SDK,
 * which speaks it, is not on the classpath.
 */
public final class McpSdkMissingException extends McpConfigurationException {

	McpSdkMissingException(String property, String description, String action) {
		super(property, description, action);
	}

}
