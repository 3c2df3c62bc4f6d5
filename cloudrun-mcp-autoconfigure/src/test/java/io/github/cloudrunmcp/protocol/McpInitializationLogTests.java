package io.github.cloudrunmcp.protocol;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * A server that stays down is logged at INFO for its first attempts, then at WARN saying
 * since when, with fewer and fewer lines, not one WARN per attempt.
 */
@ExtendWith(OutputCaptureExtension.class)
class McpInitializationLogTests {

	private static final Pattern ATTEMPT = Pattern.compile("\\(attempt (\\d+)\\); retrying\\.");

	private static final Pattern ATTEMPTS = Pattern.compile("failing since \\d\\d:\\d\\d:\\d\\d \\((\\d+) attempts\\)");

	@Test
	void repeatedFailuresEscalateToWarnSayingSinceWhen(CapturedOutput output) throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(CloudRunMcpAutoConfiguration.class, McpClientAutoConfiguration.class))
			.withPropertyValues("cloudrun.mcp.servers.down.base-url=http://127.0.0.1:" + port,
					"cloudrun.mcp.servers.down.transport=streamable-http",
					"cloudrun.mcp.servers.down.revision=2025-11-25", "cloudrun.mcp.auth.mode=none",
					"cloudrun.mcp.stream.enabled=false", "cloudrun.mcp.stream.reconnect.initial-delay=10ms",
					"cloudrun.mcp.stream.reconnect.max-delay=20ms")
			.run((context) -> {
				await().atMost(Duration.ofSeconds(60)).until(() -> output.getOut().contains("(11 attempts)"));
				List<String> lines = output.getOut()
					.lines()
					.filter((line) -> line.contains("MCP server 'down' at ")
							&& line.contains("could not be initialized"))
					.toList();
				int warnings = 0;
				for (String line : lines) {
					Matcher quiet = ATTEMPT.matcher(line);
					if (quiet.find()) {
						assertThat(Integer.parseInt(quiet.group(1))).isLessThanOrEqualTo(3);
						assertThat(line).contains("INFO").doesNotContain("WARN");
						continue;
					}
					Matcher loud = ATTEMPTS.matcher(line);
					assertThat(loud.find()).as(line).isTrue();
					int past = Integer.parseInt(loud.group(1)) - 3;
					boolean warned = line.contains("WARN");
					assertThat(warned).as(line).isEqualTo(Integer.bitCount(past) == 1);
					if (warned) {
						warnings++;
					}
				}
				assertThat(lines).anyMatch((line) -> line.contains("(attempt 1); retrying."));
				// Attempts 4, 5, 7 and 11.
				assertThat(warnings).isEqualTo(4);
			});
	}

}
