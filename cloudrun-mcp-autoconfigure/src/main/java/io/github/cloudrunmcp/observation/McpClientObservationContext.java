package io.github.cloudrunmcp.observation;

import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.RequestReplySenderContext;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;

/**
 * What an observation of one MCP request knows: the server, the request and, once it
 * came, the response. Its carrier is the request's {@code params._meta}: a tracing
 * handler writes the trace context ({@code traceparent}, {@code tracestate}) there.
 */
public final class McpClientObservationContext
		extends RequestReplySenderContext<Map<String, Object>, McpSchema.JSONRPCResponse> {

	private final String server;

	private final McpSchema.JSONRPCRequest request;

	private final @Nullable String protocolVersion;

	private final @Nullable String sessionId;

	/**
	 * Create a context.
	 * @param server the server's name
	 * @param request the request as the client sent it
	 * @param protocolVersion the protocol revision of the session, if known
	 * @param sessionId the session's ID, if any
	 */
	public McpClientObservationContext(String server, McpSchema.JSONRPCRequest request,
			@Nullable String protocolVersion, @Nullable String sessionId) {
		super((carrier, key, value) -> {
			if (carrier != null) {
				carrier.put(key, value);
			}
		}, Kind.CLIENT);
		this.server = Objects.requireNonNull(server, "server");
		this.request = Objects.requireNonNull(request, "request");
		this.protocolVersion = protocolVersion;
		this.sessionId = sessionId;
	}

	/**
	 * Return the server's name.
	 * @return the name
	 */
	public String getServer() {
		return this.server;
	}

	/**
	 * Return the request.
	 * @return the request
	 */
	public McpSchema.JSONRPCRequest getRequest() {
		return this.request;
	}

	/**
	 * Return the JSON-RPC method.
	 * @return the method
	 */
	public String getMethod() {
		return this.request.method();
	}

	/**
	 * Return the protocol revision of the session.
	 * @return the revision, or {@code null} before it was negotiated
	 */
	public @Nullable String getProtocolVersion() {
		return this.protocolVersion;
	}

	/**
	 * Return the session's ID.
	 * @return the ID, or {@code null}
	 */
	public @Nullable String getSessionId() {
		return this.sessionId;
	}

	/**
	 * Return a string member of the request's params, such as a tool's {@code name} or a
	 * resource's {@code uri}.
	 * @param name the member
	 * @return its value, or {@code null}
	 */
	public @Nullable String getParam(String name) {
		if (this.request.params() instanceof Map<?, ?> params && params.get(name) instanceof String value) {
			return value;
		}
		return null;
	}

}
