package io.github.cloudrunmcp.server;

import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain http with a token is allowed to loopback hosts only, so the loopback test must
 * not be fooled by host names that merely look like loopback addresses.
 */
class McpServerLoopbackTests {

	@ParameterizedTest
	@ValueSource(strings = { "http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:9000", "http://127.1.2.3",
			"http://127.255.255.255", "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]", "http://[::ffff:127.0.0.1]" })
	void loopbackAddresses(String url) {
		assertThat(McpServer.isLoopback(URI.create(url).getHost())).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://127.evil.example", "http://127.0.0.1.evil.example", "http://127.0.0.1.nip.io",
			"http://127.0.0.1x", "http://127.0.0", "http://127.1", "http://127.0.0.256", "http://127.0.0.01",
			"http://127.0.0.1.", "http://app.localhost", "http://localhost.evil.example", "http://128.0.0.1",
			"http://[::2]", "http://[::ffff:10.0.0.1]", "http://[fe80::1%25lo]", "http://mcp.example.com",
			"http://0x7f.0.0.1", "http://2130706433" })
	void namesAndAddressesThatAreNotLoopback(String url) {
		assertThat(McpServer.isLoopback(URI.create(url).getHost())).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "[", "[]", ":", "[::1", "::1]", "..." })
	void malformedHostsAreNotLoopback(String host) {
		assertThat(McpServer.isLoopback(host)).isFalse();
	}

}
