package io.github.cloudrunmcp.protocol;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.cloudrunmcp.text.PrintableText;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.client.McpResponseLostException;
import io.modelcontextprotocol.modern.client.transport.McpClientTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestHeaders;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import io.modelcontextprotocol.modern.client.transport.McpTransportRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * The MCP Java SDK's 2026-07-28 (stateless) client transport on the authenticated
 * {@link WebClient}: every request is one {@code POST} whose answer is JSON or an event
 * stream that ends with the response.
 *
 * <p>
 * The headers come from the SDK ({@link McpHttpRequestHeaders#forRequest}):
 * {@code MCP-Protocol-Version}, {@code Mcp-Method}, {@code Mcp-Name} and the
 * {@code Mcp-Param-*} mirrors of a tool's {@code x-mcp-header} parameters, encoded as the
 * specification says; the ID token and the single retry after a {@code 401} come from the
 * client's filter, as for every other request of this library. A JSON-RPC error sent with
 * a 4xx status (an unsupported protocol version, for example) is handed to the SDK as the
 * response, so that it can negotiate; any other failed status becomes an
 * {@link McpHttpStatusException}.
 *
 * <p>
 * The notifications a server sends in an answer ({@code notifications/progress},
 * {@code notifications/message}, ...) go to the SDK, which hands progress to its progress
 * hook, and, when the transport was created with {@link McpAnswerNotifications}, also to
 * the server's event stream, in the order they arrived.
 */
public final class StatelessStreamableHttpTransport implements McpClientTransport {

	private static final Log logger = LogFactory.getLog(StatelessStreamableHttpTransport.class);

	private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
	};

	private final String server;

	private final URI endpoint;

	private final WebClient client;

	private final McpJsonMapper jsonMapper;

	private final @Nullable McpAnswerNotifications notifications;

	/**
	 * Create a transport.
	 * @param server the server's name, for messages
	 * @param endpoint the server's MCP endpoint
	 * @param client the authenticated client
	 * @param jsonMapper the mapper of JSON-RPC messages
	 */
	public StatelessStreamableHttpTransport(String server, URI endpoint, WebClient client, McpJsonMapper jsonMapper) {
		this(server, endpoint, client, jsonMapper, null);
	}

	/**
	 * Create a transport that also hands every notification of an answer to the server's
	 * event stream.
	 * @param server the server's name, for messages
	 * @param endpoint the server's MCP endpoint
	 * @param client the authenticated client
	 * @param jsonMapper the mapper of JSON-RPC messages
	 * @param notifications where the notifications of answers are published, or
	 * {@code null}
	 */
	public StatelessStreamableHttpTransport(String server, URI endpoint, WebClient client, McpJsonMapper jsonMapper,
			@Nullable McpAnswerNotifications notifications) {
		this.notifications = notifications;
		this.server = Objects.requireNonNull(server, "server");
		this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
		this.client = Objects.requireNonNull(client, "client");
		this.jsonMapper = Objects.requireNonNull(jsonMapper, "jsonMapper");
	}

	/**
	 * Return the endpoint requests are sent to.
	 * @return the endpoint
	 */
	public URI endpoint() {
		return this.endpoint;
	}

	@Override
	public boolean mirrorsToolParams() {
		return true;
	}

	@Override
	public Flux<JsonRpc.JSONRPCMessage> exchange(McpTransportRequest request) {
		return Flux.defer(() -> {
			String body;
			try {
				body = this.jsonMapper.writeValueAsString(request.message());
			}
			catch (IOException ex) {
				return Flux.error(new IllegalArgumentException("MCP request " + request.method() + " to server '"
						+ this.server + "' cannot be serialized: " + ex.getMessage(), ex));
			}
			McpHttpRequestHeaders headers = McpHttpRequestHeaders.forRequest(request);
			Flux<JsonRpc.JSONRPCMessage> messages = this.client.post()
				.uri(this.endpoint)
				.headers((http) -> headers.forEach(http::add))
				.bodyValue(body)
				.exchangeToFlux((response) -> answer(request, response))
				.onErrorMap(WebClientRequestException.class, (ex) -> lost(request, ex));
			return request.withRoundTimeout(untilResponse(request, messages));
		});
	}

	/**
	 * Return the data of an event that carries a JSON-RPC message, or {@code null} for
	 * other events and empty ones.
	 */
	private static @Nullable String messageData(ServerSentEvent<String> event) {
		String data = event.data();
		boolean message = event.event() == null || "message".equals(event.event());
		return (message && data != null && !data.isEmpty()) ? data : null;
	}

	private Flux<JsonRpc.JSONRPCMessage> answer(McpTransportRequest request, ClientResponse response) {
		int status = response.statusCode().value();
		MediaType type = response.headers().contentType().orElse(null);
		if (status >= 200 && status < 300) {
			if (type != null && MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type)) {
				return response.bodyToFlux(SSE).<String>handle((event, sink) -> {
					String data = messageData(event);
					if (data != null) {
						sink.next(data);
					}
				}).map((data) -> {
					JsonRpc.JSONRPCMessage message = parse(request, data);
					if (message instanceof JsonRpc.JSONRPCNotification && this.notifications != null) {
						// The SDK gets it as well, after the event stream.
						this.notifications.received(data);
					}
					return message;
				}).filter((message) -> !serverRequest(message));
			}
			if (type != null && MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
				return response.bodyToMono(String.class).map((json) -> parse(request, json)).flux();
			}
			return response.releaseBody()
				.thenMany(Flux.error(new McpResponseLostException(request.method(),
						new IOException("MCP server '" + this.server + "' answered " + request.method()
								+ " with Content-Type " + ((type != null) ? type : "none")
								+ "; a 2026-07-28 server answers with application/json or text/event-stream"))));
		}
		return response.bodyToMono(String.class).defaultIfEmpty("").flatMapMany((text) -> {
			if (type != null && MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
				try {
					if (JsonRpc.deserializeMessage(this.jsonMapper, text) instanceof JsonRpc.JSONRPCResponse rpc
							&& rpc.error() != null) {
						return Flux.just(rpc);
					}
				}
				catch (IOException | RuntimeException ex) {
					logger.debug("HTTP " + status + " body from MCP server '" + this.server
							+ "' is not a JSON-RPC error: " + PrintableText.of(ex.getMessage()));
				}
			}
			// The SDK puts the body into the message: only printable text of it.
			return Flux.error(new McpHttpStatusException(this.endpoint, status, httpHeaders(response),
					PrintableText.of(text, 500)));
		});
	}

	private boolean serverRequest(JsonRpc.JSONRPCMessage message) {
		if (message instanceof JsonRpc.JSONRPCRequest request) {
			// 2026-07-28 asks for input through results (input_required), not requests.
			logger.warn("Ignoring request " + PrintableText.of(request.method()) + " sent by MCP server '" + this.server
					+ "' on a response stream");
			return true;
		}
		return false;
	}

	private JsonRpc.JSONRPCMessage parse(McpTransportRequest request, String json) {
		try {
			return JsonRpc.deserializeMessage(this.jsonMapper, json);
		}
		catch (IOException | RuntimeException ex) {
			throw new McpProtocolException("MCP server '" + this.server + "' answered " + request.method()
					+ " with a message that is not JSON-RPC: " + PrintableText.of(json, 200), 200, ex);
		}
	}

	private static Flux<JsonRpc.JSONRPCMessage> untilResponse(McpTransportRequest request,
			Flux<JsonRpc.JSONRPCMessage> messages) {
		return Flux.defer(() -> {
			AtomicBoolean answered = new AtomicBoolean();
			return messages.takeUntil((message) -> {
				if (message instanceof JsonRpc.JSONRPCResponse) {
					answered.set(true);
					return true;
				}
				return false;
			})
				.concatWith(Mono.defer(
						() -> answered.get() ? Mono.empty() : Mono.error(new McpResponseLostException(request.method(),
								new IOException("The response stream ended without a response")))));
		});
	}

	private static Throwable lost(McpTransportRequest request, WebClientRequestException ex) {
		// Nothing reached the server when the connection was refused: the SDK may retry.
		return (ex.getCause() instanceof ConnectException) ? ex : new McpResponseLostException(request.method(), ex);
	}

	private static HttpHeaders httpHeaders(ClientResponse response) {
		Map<String, List<String>> headers = new LinkedHashMap<>();
		response.headers().asHttpHeaders().forEach(headers::put);
		return HttpHeaders.of(headers, (name, value) -> true);
	}

}
