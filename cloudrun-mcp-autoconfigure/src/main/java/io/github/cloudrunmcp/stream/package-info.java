/**
 * Long-lived Server-Sent-Events streams: the stream engine and the event stream of an MCP
 * server.
 *
 * <p>
 * <b>The engine.</b> {@link io.github.cloudrunmcp.stream.ReconnectingEventStream} is the
 * one implementation of a reconnecting, resumable SSE stream; every long-lived stream of
 * the library runs on it. Build one with
 * {@link io.github.cloudrunmcp.stream.ReconnectingEventStream#builder builder(client,
 * settings)}, give it a request function
 * ({@link io.github.cloudrunmcp.stream.SseRequest}: any method, URL, headers and JSON
 * body, asked again before each connection), and subscribe to {@code events()}: it
 * connects, parses on the network thread, reopens the stream after any end with backoff
 * and jitter ({@link io.github.cloudrunmcp.stream.StreamSettings.Reconnect}, the server's
 * {@code retry:} and {@code Retry-After} held within fixed bounds), resumes with
 * {@code Last-Event-ID} (only IDs that can be sent as a header,
 * {@link io.github.cloudrunmcp.stream.HeaderValues}), times out silent connections and
 * missing response headers, and reads statuses from one table,
 * {@link io.github.cloudrunmcp.stream.StreamStatusTable}. Hooks: {@code refusals} (read a
 * status before the table), {@code onStatus}, {@code onOpen} (reports each connection and
 * whether it resumed; may emit an event first, such as a resync notice for a stream that
 * cannot resume), {@code continueWhile}, {@code maxAttempts}, {@code maxConnections},
 * {@code requireResumeId}. {@code events(ClientResponse)} resumes a response already open
 * (the SSE response to a POST).
 *
 * <p>
 * <b>The event stream.</b> {@link io.github.cloudrunmcp.stream.McpEventStream} buffers,
 * dispatches and fans out the {@link io.github.cloudrunmcp.stream.McpEvent}s of one
 * {@link io.github.cloudrunmcp.stream.McpEventSource}: a plain event-stream endpoint
 * ({@link io.github.cloudrunmcp.stream.HttpEventSource}, the engine with {@code GET}) or
 * an MCP session.
 */
@NullMarked
package io.github.cloudrunmcp.stream;

import org.jspecify.annotations.NullMarked;
