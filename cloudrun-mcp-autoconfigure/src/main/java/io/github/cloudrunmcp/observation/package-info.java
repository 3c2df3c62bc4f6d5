/**
 * Micrometer observations and metrics of MCP requests and event streams, and the trace
 * context that MCP requests carry into the server.
 */
@NullMarked
package io.github.cloudrunmcp.observation;

import org.jspecify.annotations.NullMarked;
