package io.github.cloudrunmcp.sample.local;

/**
 * Thrown at start-up when the {@code cloud} profile is active but no MCP server is
 * configured: the deployed service must talk to its real server, never to the local demo.
 */
public class CloudProfileWithoutServerException extends IllegalStateException {

	CloudProfileWithoutServerException() {
		super("No MCP server configured in the 'cloud' profile: set CLOUDRUN_MCP_BASE_URL (or cloudrun.mcp.base-url) "
				+ "to the MCP server's URL; the local demo runs only outside that profile");
	}

}
