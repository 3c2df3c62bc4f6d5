package io.github.cloudrunmcp.protocol;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Published (as a Spring application event) when an MCP server's session was replaced by
 * a new one, as after the server restarted or expired the old one: what the application
 * set up on the server through the old session (resource subscriptions, logging levels)
 * is gone, and an {@code @EventListener} of this type can set it up again.
 *
 * @param server the server's name
 * @param protocolVersion the protocol revision of the new session
 * @param renewals how many times this server's session was renewed so far
 * @param at when the new session was initialized
 */
public record McpSessionRenewedEvent(String server, @Nullable String protocolVersion, long renewals, Instant at) {

}
