/**
 * The Model Context Protocol over Streamable HTTP: a transport for the official MCP Java
 * SDK on the application's authenticated {@code WebClient}, with resumable streams, and
 * the interfaces through which the application answers a server's requests.
 */
@NullMarked
package io.github.cloudrunmcp.protocol;

import org.jspecify.annotations.NullMarked;
