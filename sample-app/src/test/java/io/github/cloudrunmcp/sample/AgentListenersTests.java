package io.github.cloudrunmcp.sample;

import io.github.cloudrunmcp.stream.McpEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class AgentListenersTests {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

	private final AgentListeners listeners = new AgentListeners();

	@AfterEach
	void resetLevel() {
		this.logging.setLogLevel(AgentListeners.class.getName(), null);
	}

	private static McpEvent event(String type, String data) {
		return new McpEvent("default", "7", type, data, MAPPER);
	}

	@Test
	void payloadsStayOutOfInfoLogs(CapturedOutput output) {
		this.logging.setLogLevel(AgentListeners.class.getName(), LogLevel.INFO);
		this.listeners.onEvent(event("message", "{\"event\":\"model.response\",\"content\":\"secret-payload\"}"));
		this.listeners.onToken(event("message", "{\"event\":\"model.response\",\"content\":\"streamed-secret\"}"));
		this.listeners.onReply(new AgentListeners.AgentReply(3, "reply-secret", 1));
		assertThat(output.getOut()).contains("[default] #7 model.response")
			.contains("Conversation 3 answered (1 tokens)")
			.doesNotContain("secret");
	}

	@Test
	void payloadsAreLoggedAtDebug(CapturedOutput output) {
		this.logging.setLogLevel(AgentListeners.class.getName(), LogLevel.DEBUG);
		this.listeners.onEvent(event("message", "{\"event\":\"model.response\",\"content\":\"visible\"}"));
		assertThat(output.getOut()).contains("model.response {\"event\":\"model.response\",\"content\":\"visible\"}");
	}

	@Test
	void aStreamedAnswerWithoutReplyIsBounded(CapturedOutput output) {
		this.logging.setLogLevel(AgentListeners.class.getName(), LogLevel.DEBUG);
		McpEvent token = event("message", "{\"event\":\"model.response\",\"content\":\"" + "x".repeat(1000) + "\"}");
		for (int i = 0; i < 1000; i++) {
			this.listeners.onToken(token);
		}
		this.listeners.onReply(new AgentListeners.AgentReply(1, "done", 1000));
		assertThat(output.getOut()).contains("(streamed: '" + "x".repeat(AgentListeners.MAX_ANSWER_CHARS) + "', ")
			.doesNotContain("x".repeat(AgentListeners.MAX_ANSWER_CHARS + 1));
	}

}
