/**
 * The tools of the configured MCP servers as Spring AI tool callbacks, called through the
 * library's sessions whichever revision a server speaks.
 */
@NullMarked
package io.github.cloudrunmcp.springai;

import org.jspecify.annotations.NullMarked;
