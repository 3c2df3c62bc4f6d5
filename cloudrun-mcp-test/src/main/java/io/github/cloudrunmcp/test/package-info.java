/**
 * Test support for applications that use cloudrun-mcp: loopback servers that stand in for
 * the Google metadata server and for protected MCP servers, the MCP reference server with
 * a token-verifying proxy in front, a proxy that injects network faults, and an issuer of
 * signed test ID tokens.
 */
@NullMarked
package io.github.cloudrunmcp.test;

import org.jspecify.annotations.NullMarked;
