package io.github.cloudrunmcp.observation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code _meta} of a request's params and the trace-context headers read from it,
 * shared by the observed transports of both protocol revisions.
 */
final class RequestMeta {

	private RequestMeta() {
	}

	/**
	 * Return a mutable copy of the {@code _meta} member of the given params, empty when
	 * there is none.
	 * @param params the request's params
	 * @return the {@code _meta} entries
	 */
	static Map<String, Object> of(Map<String, Object> params) {
		Map<String, Object> meta = new LinkedHashMap<>();
		if (params.get("_meta") instanceof Map<?, ?> existing) {
			existing.forEach((key, value) -> meta.put(String.valueOf(key), value));
		}
		return meta;
	}

	/**
	 * Return the trace-context entries of a {@code _meta}, to be sent as HTTP headers
	 * too.
	 * @param meta the {@code _meta} entries
	 * @return the {@code traceparent} and {@code tracestate} values present
	 */
	static Map<String, String> traceHeaders(Map<String, Object> meta) {
		Map<String, String> headers = new LinkedHashMap<>();
		for (String name : McpTraceContextFilterFunction.HEADERS) {
			if (meta.get(name) instanceof String value) {
				headers.put(name, value);
			}
		}
		return headers;
	}

}
