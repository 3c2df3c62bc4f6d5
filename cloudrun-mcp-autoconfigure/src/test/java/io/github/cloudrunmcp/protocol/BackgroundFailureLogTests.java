package io.github.cloudrunmcp.protocol;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import io.github.cloudrunmcp.autoconfigure.CloudRunMcpAutoConfiguration;
import io.github.cloudrunmcp.autoconfigure.McpClientAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The revision negotiation of an {@code auto} server and its liveness probe, retried in
 * the background against a closed port: the first failures at INFO, then a warning saying
 * since when.
 */
@ExtendWith(OutputCaptureExtension.class)
class BackgroundFailureLogTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
		.withPropertyValues("cloudrun.mcp.servers.down.transport=streamable-http", "cloudrun.mcp.auth.mode=none",
				"cloudrun.mcp.stream.enabled=false", "cloudrun.mcp.stream.reconnect.initial-delay=10ms",
				"cloudrun.mcp.stream.reconnect.max-delay=20ms", "cloudrun.mcp.client.liveness-interval=100ms");

	@Test
	void negotiationAndLivenessFailuresEscalateToWarnSayingSinceWhen(CapturedOutput output) throws IOException {
		this.runner.withPropertyValues("cloudrun.mcp.servers.down.base-url=http://127.0.0.1:" + closedPort())
			.run((context) -> await().atMost(Duration.ofSeconds(60))
				.until(() -> escalated(output, "could not be negotiated with")
						&& escalated(output, "does not answer its liveness check")));
		for (String what : List.of("could not be negotiated with", "does not answer its liveness check")) {
			List<String> lines = output.getOut()
				.lines()
				.filter((line) -> line.contains("MCP server 'down'") && line.contains(what))
				.toList();
			assertThat(lines.subList(0, 3)).as(what)
				.allSatisfy((line) -> assertThat(line).contains("INFO").doesNotContain("WARN").contains("(attempt "));
			assertThat(lines.get(3)).as(what)
				.contains("WARN")
				.containsPattern("failing since \\d\\d:\\d\\d:\\d\\d \\(4 attempts\\)");
		}
	}

	private static boolean escalated(CapturedOutput output, String what) {
		return output.getOut()
			.lines()
			.anyMatch((line) -> line.contains("MCP server 'down'") && line.contains(what)
					&& line.contains("(4 attempts)"));
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
