/**
 * The MCP servers an application talks to, as resolved and validated settings: one record
 * per server, independent of how they were configured.
 */
@NullMarked
package io.github.cloudrunmcp.server;

import org.jspecify.annotations.NullMarked;
