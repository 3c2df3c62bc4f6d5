/**
 * {@link io.github.cloudrunmcp.listener.McpListener @McpListener} methods: Spring event
 * listeners for MCP events, found by Spring's own listener infrastructure.
 */
@NullMarked
package io.github.cloudrunmcp.listener;

import org.jspecify.annotations.NullMarked;
