package io.github.cloudrunmcp.stream;

import java.net.URI;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StreamStatusTable}.
 */
class StreamStatusTableTests {

	private static final URI FROM = URI.create("https://mcp-abc123-uc.a.run.app/mcp");

	@Test
	void aRedirectWithinTheOriginIsSameOrigin() {
		assertThat(StreamStatusTable.isSameOrigin(FROM, "/mcp")).isTrue();
		assertThat(StreamStatusTable.isSameOrigin(FROM, "other")).isTrue();
		assertThat(StreamStatusTable.isSameOrigin(FROM, " https://MCP-abc123-uc.a.run.app:443/next ")).isTrue();
	}

	@Test
	void aRedirectToAnotherHostPortOrSchemeIsNot() {
		assertThat(StreamStatusTable.isSameOrigin(FROM, "https://evil.example/mcp")).isFalse();
		assertThat(StreamStatusTable.isSameOrigin(FROM, "https://mcp-abc123-uc.a.run.app:8443/mcp")).isFalse();
		assertThat(StreamStatusTable.isSameOrigin(FROM, "http://mcp-abc123-uc.a.run.app/mcp")).isFalse();
		assertThat(StreamStatusTable.isSameOrigin(FROM, "//evil.example/mcp")).isFalse();
	}

	@Test
	void aMissingOrBrokenLocationIsNot() {
		assertThat(StreamStatusTable.isSameOrigin(FROM, null)).isFalse();
		assertThat(StreamStatusTable.isSameOrigin(FROM, " ")).isFalse();
		assertThat(StreamStatusTable.isSameOrigin(FROM, "http://[broken")).isFalse();
	}

	@Test
	void aRedirectIsNotRetryableByTheTableItself() {
		McpStreamException refusal = StreamStatusTable.refusal("Server 'x' answered GET " + FROM, 302, null, "", "",
				true);
		assertThat(refusal.isRetryable()).isFalse();
		assertThat(refusal.getMessage()).contains("302, which retrying cannot fix");
	}

}
