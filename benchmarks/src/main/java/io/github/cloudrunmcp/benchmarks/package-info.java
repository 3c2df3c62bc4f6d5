/**
 * Throughput harnesses: a loopback SSE server and the clients measured against it.
 */
@NullMarked
package io.github.cloudrunmcp.benchmarks;

import org.jspecify.annotations.NullMarked;
