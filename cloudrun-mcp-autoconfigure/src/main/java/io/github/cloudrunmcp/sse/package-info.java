/**
 * Server-Sent Events parsing per the WHATWG HTML specification, on bytes and across
 * arbitrary chunk boundaries. No Spring needed.
 */
@NullMarked
package io.github.cloudrunmcp.sse;

import org.jspecify.annotations.NullMarked;
