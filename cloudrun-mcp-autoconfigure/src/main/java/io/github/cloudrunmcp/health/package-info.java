/**
 * Spring Boot health of the MCP servers: one indicator per server's event stream or
 * session.
 */
@NullMarked
package io.github.cloudrunmcp.health;

import org.jspecify.annotations.NullMarked;
