/**
 * A Spring Boot service that talks to an MCP server through cloudrun-mcp.
 */
@NullMarked
package io.github.cloudrunmcp.sample;

import org.jspecify.annotations.NullMarked;
