/**
 * Spring Boot auto-configuration for cloudrun-mcp and its {@code cloudrun.mcp.*}
 * properties.
 */
@NullMarked
package io.github.cloudrunmcp.autoconfigure;

import org.jspecify.annotations.NullMarked;
