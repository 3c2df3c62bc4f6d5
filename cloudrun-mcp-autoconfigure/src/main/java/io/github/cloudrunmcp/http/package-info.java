/**
 * HTTP connections to MCP servers: a connection pool that closes idle connections before
 * servers and proxies do, and the one safe retry of a request that met a connection
 * closed under it.
 */
@NullMarked
package io.github.cloudrunmcp.http;

import org.jspecify.annotations.NullMarked;
