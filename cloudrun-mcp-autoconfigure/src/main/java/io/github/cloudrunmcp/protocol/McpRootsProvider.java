package io.github.cloudrunmcp.protocol;

import java.util.List;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * Gives the roots (the places a server may work on) that the clients answer
 * {@code roots/list} with: a bean of this type makes them declare the {@code roots}
 * capability. Without one, the capability is not declared and such requests are declined
 * with "method not found". Roots may change later through the client's {@code addRoot}
 * and {@code removeRoot}.
 */
@FunctionalInterface
public interface McpRootsProvider {

	/**
	 * Return the roots for a server.
	 * @param server the server's name
	 * @return its roots
	 */
	List<McpSchema.Root> roots(String server);

}
