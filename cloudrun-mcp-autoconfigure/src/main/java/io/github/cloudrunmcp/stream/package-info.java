/**
 * The event stream of an MCP server: {@link io.github.cloudrunmcp.stream.McpEventStream}
 * holds the Server-Sent-Events connection open, reconnects and resumes it, applies
 * back-pressure, and hands out {@link io.github.cloudrunmcp.stream.McpEvent}s.
 */
@NullMarked
package io.github.cloudrunmcp.stream;

import org.jspecify.annotations.NullMarked;
