/**
 * Test support for applications that use cloudrun-mcp: loopback servers that stand in for
 * the Google metadata server and for protected MCP servers, and an issuer of signed test
 * ID tokens.
 */
@NullMarked
package io.github.cloudrunmcp.test;

import org.jspecify.annotations.NullMarked;
