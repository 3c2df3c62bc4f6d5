/**
 * Google ID tokens for MCP servers: a reactive, caching {@link IdTokenProvider} over
 * google-auth-library and a {@code WebClient} filter that attaches the token to requests
 * for the token's own origin. Usable without Spring Boot.
 */
@NullMarked
package io.github.cloudrunmcp.auth;

import org.jspecify.annotations.NullMarked;
