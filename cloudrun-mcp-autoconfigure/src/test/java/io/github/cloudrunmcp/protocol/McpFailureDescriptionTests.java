package io.github.cloudrunmcp.protocol;

import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How failures are described in the messages and logs of sessions and listen streams:
 * server text in them is escaped.
 */
class McpFailureDescriptionTests {

	@Test
	void serverTextInTheCausesIsEscaped() {
		// A JSON-RPC error message as a server sent it, inside the SDK's wrappers.
		RuntimeException failure = new RuntimeException("Client failed to initialize", new IllegalStateException(
				"listen failed", new RuntimeException("bad\u001b[2J\u202eevil\nforged line")));
		String described = McpSessionLifecycle.describe(failure);
		assertThat(described).startsWith("listen failed: bad")
			.doesNotContain("\u001b")
			.doesNotContain("\u202e")
			.doesNotContain("\n")
			.contains("evil");
	}

	@Test
	void aTimeoutSaysSo() {
		assertThat(McpSessionLifecycle.describe(new RuntimeException(new TimeoutException("Did not observe"))))
			.contains("no answer in time");
	}

}
