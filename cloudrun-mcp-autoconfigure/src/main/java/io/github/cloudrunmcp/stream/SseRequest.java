package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;

/**
 * The request that opens one connection of a {@link ReconnectingEventStream}: any method,
 * URL, headers and body. The stream adds {@code Accept: text/event-stream} (unless the
 * request sets {@code Accept}), {@code Cache-Control: no-cache} and, when it resumes,
 * {@code Last-Event-ID}.
 *
 * @param method the method
 * @param uri the URL
 * @param headers header names and values, in order
 * @param body the JSON body, or {@code null} for none
 */
public record SseRequest(HttpMethod method, URI uri, Map<String, String> headers, @Nullable String body) {

	/**
	 * Create a request.
	 * @param method the method
	 * @param uri the URL
	 * @param headers header names and values
	 * @param body the JSON body, or {@code null}
	 */
	public SseRequest {
		Objects.requireNonNull(method, "method");
		Objects.requireNonNull(uri, "uri");
		headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
	}

	/**
	 * Return a {@code GET} of the given URL.
	 * @param uri the URL
	 * @return the request
	 */
	public static SseRequest get(URI uri) {
		return new SseRequest(HttpMethod.GET, uri, Map.of(), null);
	}

	/**
	 * Return a {@code POST} of a JSON body to the given URL.
	 * @param uri the URL
	 * @param json the body
	 * @return the request
	 */
	public static SseRequest post(URI uri, String json) {
		return new SseRequest(HttpMethod.POST, uri, Map.of(), Objects.requireNonNull(json, "json"));
	}

	/**
	 * Return this request with one more header; a {@code null} value leaves it unchanged.
	 * @param name the header's name
	 * @param value the header's value, or {@code null}
	 * @return the request
	 */
	public SseRequest header(String name, @Nullable String value) {
		if (value == null) {
			return this;
		}
		Map<String, String> more = new LinkedHashMap<>(this.headers);
		more.put(name, value);
		return new SseRequest(this.method, this.uri, more, this.body);
	}

	/**
	 * Return {@code "METHOD url"}, for messages.
	 * @return the description
	 */
	String describe() {
		return this.method.name() + " " + this.uri;
	}

}
