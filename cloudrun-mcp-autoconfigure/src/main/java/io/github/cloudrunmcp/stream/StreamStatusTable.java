package io.github.cloudrunmcp.stream;

import java.net.URI;
import java.time.Duration;

import io.github.cloudrunmcp.text.PrintableText;
import org.jspecify.annotations.Nullable;

/**
 * The one table of what an HTTP status means for a long-lived stream and for the MCP
 * requests sent beside it: whether retrying may help and what the message tells the user
 * to do.
 *
 * <table>
 * <caption>Statuses</caption>
 * <tr>
 * <th>Status</th>
 * <th>Retried</th>
 * <th>Advice</th>
 * </tr>
 * <tr>
 * <td>204</td>
 * <td>no (the stream closes)</td>
 * <td>the server asks not to reconnect</td>
 * </tr>
 * <tr>
 * <td>401</td>
 * <td>yes, with a fresh token</td>
 * <td>check the audience</td>
 * </tr>
 * <tr>
 * <td>403</td>
 * <td>no</td>
 * <td>grant roles/run.invoker, check ingress</td>
 * </tr>
 * <tr>
 * <td>404</td>
 * <td>no</td>
 * <td>check the URL properties (the caller's hint)</td>
 * </tr>
 * <tr>
 * <td>405</td>
 * <td>no</td>
 * <td>the endpoint does not accept the method</td>
 * </tr>
 * <tr>
 * <td>408, 409, 425, 429, 5xx</td>
 * <td>yes, with backoff and {@code Retry-After}</td>
 * <td>none</td>
 * </tr>
 * <tr>
 * <td>any other</td>
 * <td>no</td>
 * <td>retrying cannot fix it</td>
 * </tr>
 * </table>
 * <p>
 * A stream retries one more case itself: a {@code 3xx} whose {@code Location} stays
 * within the origin ({@link #isSameOrigin}), which reaches it only when the client gave
 * up following a redirect loop or follows no redirects.
 */
public final class StreamStatusTable {

	private static final int SNIPPET = 200;

	private StreamStatusTable() {
	}

	/**
	 * Return whether a status may be retried.
	 * @param status the HTTP status
	 * @return whether retrying may help
	 */
	public static boolean isRetryable(int status) {
		return status == 401 || status == 408 || status == 409 || status == 425 || status == 429 || status >= 500;
	}

	/**
	 * Return the failure a status means.
	 * @param request who asked what, for the message ({@code "Server 'x' answered GET
	 * http://host/events"} reads {@code "... answered GET http://host/events with 404"})
	 * @param status the HTTP status
	 * @param retryAfter the response's {@code Retry-After} header, or {@code null}
	 * @param body the start of the response body, or the empty string
	 * @param locationHint what to check when nothing is at the URL (404, 405), naming the
	 * properties that build it
	 * @param retrying whether the caller retries retryable statuses itself (a stream) or
	 * leaves that to its own caller (a request)
	 * @return the failure
	 */
	public static McpStreamException refusal(String request, int status, @Nullable String retryAfter, String body,
			String locationHint, boolean retrying) {
		String head = request + " with " + status;
		String advice = switch (status) {
			case 204 -> " No Content: the server asks clients not to reconnect.";
			case 401 -> ": the server rejected the request's credentials"
					+ (retrying ? "; retrying with a fresh token. If it persists, check the server's audience."
							: ". Check the server's audience (the ID token's audience must be its URL).");
			case 403 -> ": the caller may not invoke the server. Grant its service account roles/run.invoker on "
					+ "the server, and check the server's ingress settings.";
			case 404 -> ": nothing there. " + locationHint;
			case 405 -> ": the endpoint does not accept this method. " + locationHint;
			default -> isRetryable(status) ? (retrying ? "; retrying with backoff." : "; the call may be retried.")
					: ", which retrying cannot fix.";
		};
		String detail = body.isBlank() ? "" : " Body: " + snippet(body);
		boolean retryable = isRetryable(status);
		Duration wait = retryable ? StreamSettings.Reconnect.retryAfter(retryAfter) : null;
		return new McpStreamException(head + advice + detail, status, retryable, wait);
	}

	/**
	 * Return whether a redirect's {@code Location} resolves to the same scheme, host and
	 * port as the URL that answered with it.
	 * @param from the URL that answered
	 * @param location the {@code Location} header, or {@code null}
	 * @return whether the redirect stays within the origin
	 */
	public static boolean isSameOrigin(URI from, @Nullable String location) {
		if (location == null || location.isBlank()) {
			return false;
		}
		URI to;
		try {
			to = from.resolve(location.strip());
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		return to.getScheme() != null && to.getHost() != null && to.getScheme().equalsIgnoreCase(from.getScheme())
				&& to.getHost().equalsIgnoreCase(from.getHost()) && port(to) == port(from);
	}

	private static int port(URI uri) {
		if (uri.getPort() != -1) {
			return uri.getPort();
		}
		return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
	}

	/**
	 * Return a text on one line, escaped and cut to 200 characters.
	 * @param text the text
	 * @return the snippet
	 */
	static String snippet(String text) {
		// One line, and whatever else the server put in escaped: it ends up in logs.
		return PrintableText.of(text.replaceAll("\\s+", " ").strip(), SNIPPET);
	}

}
