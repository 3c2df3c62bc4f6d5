/**
 * The {@code mcp} actuator endpoint: what each MCP server's connection, session and token
 * look like now.
 */
@NullMarked
package io.github.cloudrunmcp.actuate;

import org.jspecify.annotations.NullMarked;
