package io.github.cloudrunmcp.http;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientInfos;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * Sends an idempotent request ({@code GET}, {@code HEAD}, {@code OPTIONS}, {@code PUT},
 * {@code DELETE}) a second time, once, when it was written on a reused keep-alive
 * connection that the server or a proxy closed or reset before any byte of a response
 * came: the race of a request with the other side's idle timeout, which RFC 9110 (9.2.2)
 * allows a client to repair for idempotent methods.
 *
 * <p>
 * What happened is recorded per exchange, from the connection itself: whether the
 * connection had answered an earlier exchange (reused), whether the request was written
 * in full, and how many bytes the connection had received (after TLS, before HTTP
 * decoding) when the request went out and when it failed. A request is sent again only
 * when it was written on a reused connection, failed with an I/O error (closed or reset,
 * not a timeout) and not one byte of a response came in between; the text of the client's
 * error messages plays no part.
 *
 * <p>
 * Everything else fails as it did: a {@code POST} (a tool call, a listen request) may
 * have been processed by the server, so it is never sent twice; a request that was not
 * written at all is already retried once by Reactor Netty, so it is not retried here
 * again; and a response that had begun, even with one byte of its status line, is never
 * asked for again. The filter knows what happened on the connection only through a client
 * prepared with {@link #observe(HttpClient)}; with any other connector it never retries.
 */
public final class ReusedConnectionRetry implements ExchangeFilterFunction {

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE);

	private static final String HANDLER_NAME = "cloudrun-mcp.inboundBytes";

	private static final AttributeKey<Boolean> ANSWERED = AttributeKey
		.valueOf(ReusedConnectionRetry.class.getName() + ".answered");

	private static final AttributeKey<InboundBytes> INBOUND = AttributeKey
		.valueOf(ReusedConnectionRetry.class.getName() + ".inbound");

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		if (!IDEMPOTENT.contains(request.method())) {
			return next.exchange(request);
		}
		return Mono.defer(() -> {
			Exchange exchange = new Exchange();
			return next.exchange(request)
				.contextWrite((context) -> context.put(Exchange.class, exchange))
				.onErrorResume(exchange::unanswered, (ex) -> next.exchange(request));
		});
	}

	/**
	 * Prepare a client so that the filter can tell a reused connection closed before the
	 * response from any other failure.
	 * @param client the client
	 * @return the client that reports its connections to the filter
	 */
	public static HttpClient observe(HttpClient client) {
		return client.doOnChannelInit((observer, channel, remoteAddress) -> count(channel))
			.doOnRequest((request, connection) -> exchange(request).ifPresent((exchange) -> exchange.start(connection)))
			.doAfterRequest((request, connection) -> exchange(request).ifPresent((exchange) -> exchange.written = true))
			.doOnResponse((response, connection) -> {
				connection.channel().attr(ANSWERED).set(Boolean.TRUE);
				exchange(response).ifPresent((exchange) -> exchange.responded = true);
			});
	}

	/**
	 * Count the bytes a connection receives, after TLS (a server's {@code close_notify}
	 * is not a response) and before the HTTP codec (a status line cut short is one).
	 */
	private static void count(Channel channel) {
		InboundBytes counter = new InboundBytes();
		ChannelPipeline pipeline = channel.pipeline();
		if (pipeline.get(NettyPipeline.HttpCodec) != null) {
			pipeline.addBefore(NettyPipeline.HttpCodec, HANDLER_NAME, counter);
		}
		else if (pipeline.get(NettyPipeline.SslHandler) != null) {
			pipeline.addAfter(NettyPipeline.SslHandler, HANDLER_NAME, counter);
		}
		else {
			pipeline.addFirst(HANDLER_NAME, counter);
		}
		channel.attr(INBOUND).set(counter);
	}

	private static Optional<Exchange> exchange(HttpClientInfos request) {
		return request.currentContextView().getOrEmpty(Exchange.class);
	}

	/** The bytes one connection received; written on its event loop only. */
	private static final class InboundBytes extends ChannelInboundHandlerAdapter {

		private volatile long bytes;

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof ByteBuf buffer) {
				this.bytes += buffer.readableBytes();
			}
			else {
				this.bytes++;
			}
			ctx.fireChannelRead(msg);
		}

	}

	/** What one exchange went through, filled in from the network thread. */
	private static final class Exchange {

		volatile boolean reused;

		volatile boolean written;

		volatile boolean responded;

		volatile @Nullable InboundBytes inbound;

		volatile long inboundAtStart;

		void start(Connection connection) {
			Channel channel = connection.channel();
			InboundBytes counter = channel.attr(INBOUND).get();
			this.inbound = counter;
			this.inboundAtStart = (counter != null) ? counter.bytes : 0;
			this.reused = Boolean.TRUE.equals(channel.attr(ANSWERED).get());
			this.written = false;
			this.responded = false;
		}

		/**
		 * Whether the failed exchange may be sent again: written on a reused connection,
		 * which then closed or reset before one byte of an answer.
		 */
		boolean unanswered(Throwable ex) {
			if (!(ex instanceof WebClientRequestException) || !(ex.getCause() instanceof IOException)) {
				return false;
			}
			InboundBytes counter = this.inbound;
			return this.reused && this.written && !this.responded && counter != null
					&& counter.bytes == this.inboundAtStart;
		}

	}

}
