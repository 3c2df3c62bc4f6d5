/**
 * The sample's local demo: an in-process MCP event server and metadata server on
 * loopback, so that the real ID-token path runs with no Google account.
 */
@NullMarked
package io.github.cloudrunmcp.sample.local;

import org.jspecify.annotations.NullMarked;
