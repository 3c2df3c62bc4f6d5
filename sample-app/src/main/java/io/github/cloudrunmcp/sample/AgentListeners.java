package io.github.cloudrunmcp.sample;

import io.github.cloudrunmcp.listener.McpListener;
import io.github.cloudrunmcp.stream.McpEvent;
import io.modelcontextprotocol.spec.McpSchema;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

/**
 * Listener examples to copy: every event, one type, a typed payload, and a condition.
 * Event payloads are the server's text, so they are logged at DEBUG only (the local demo
 * turns DEBUG on for this package); INFO lines carry ids, types and counts.
 */
@Component
class AgentListeners {

	private static final Log logger = LogFactory.getLog(AgentListeners.class);

	/**
	 * The most of a streamed answer kept until its reply arrives: a server that streams
	 * without ever replying must not grow the buffer without limit.
	 */
	static final int MAX_ANSWER_CHARS = 8192;

	private final StringBuilder answer = new StringBuilder();

	/** Every event of every server. */
	@McpListener
	void onEvent(McpEvent event) {
		if (logger.isDebugEnabled()) {
			logger.debug("[" + event.server() + "] #" + event.id() + " " + event.type() + " " + event.data());
		}
		else if (logger.isInfoEnabled()) {
			logger.info("[" + event.server() + "] #" + event.id() + " " + event.type() + " (" + event.data().length()
					+ " chars)");
		}
	}

	/** One type, JSON read on demand: the model's answer, token by token. */
	@McpListener("model.response")
	void onToken(McpEvent event) {
		String content = event.json().path("content").asString("");
		synchronized (this.answer) {
			int room = MAX_ANSWER_CHARS - this.answer.length();
			this.answer.append(content, 0, Math.max(0, Math.min(room, content.length())));
		}
	}

	/** A typed payload: the JSON data mapped to a record. */
	@McpListener("agent.reply")
	void onReply(AgentReply reply) {
		String streamed;
		synchronized (this.answer) {
			streamed = this.answer.toString();
			this.answer.setLength(0);
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Conversation " + reply.conversation() + " answered: '" + reply.content() + "' (streamed: '"
					+ streamed + "', " + reply.tokens() + " tokens)");
		}
		else {
			logger.info("Conversation " + reply.conversation() + " answered (" + reply.tokens() + " tokens)");
		}
	}

	/** A SpEL condition on the payload. */
	@McpListener(value = "model.done", condition = "#root.event.json().path('tokens').asInt() > 5")
	void onLongAnswer(McpEvent event) {
		logger.info("Conversation " + event.json().path("conversation").asInt() + " took more than 5 tokens");
	}

	/**
	 * An MCP server's log messages (transport streamable-http), its params mapped to the
	 * SDK's type.
	 */
	@McpListener("notifications/message")
	void onServerLog(McpSchema.LoggingMessageNotification message) {
		if (logger.isDebugEnabled()) {
			logger.debug("[" + message.level() + "] " + message.logger() + ": " + message.data());
		}
	}

	/** Progress of a long MCP tool call. */
	@McpListener("notifications/progress")
	void onProgress(McpSchema.ProgressNotification progress) {
		logger.info("Progress " + progress.progressToken() + ": " + progress.progress() + " of " + progress.total());
	}

	/**
	 * The reply of the agent.
	 *
	 * @param conversation the conversation number
	 * @param content the reply
	 * @param tokens how many tokens the model streamed
	 */
	record AgentReply(int conversation, String content, int tokens) {
	}

}
