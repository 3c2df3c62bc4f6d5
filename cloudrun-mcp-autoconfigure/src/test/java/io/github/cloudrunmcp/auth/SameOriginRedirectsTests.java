package io.github.cloudrunmcp.auth;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

class SameOriginRedirectsTests {

	private static final URI FROM = URI.create("https://mcp.example.com/mcp");

	private final SameOriginRedirects redirects = new SameOriginRedirects(
			(url) -> TokenRoute.originKey(url).equals("https://mcp.example.com:443"));

	@ParameterizedTest
	@ValueSource(strings = { "/mcp/", "next", "https://mcp.example.com/other", "https://MCP.Example.com:443/x",
			" /padded " })
	void followsWithinTheOrigin(String location) {
		assertThat(this.redirects.mayFollow(FROM, location)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://mcp.example.com/mcp", "https://mcp.example.com:8443/mcp",
			"https://evil.example/mcp", "//evil.example/mcp", "https://mcp.example.com.evil.example/", "http://[broken",
			"", "   ", "mailto:x@mcp.example.com", "file:///etc/passwd" })
	void doesNotFollowElsewhereOrDowngrade(String location) {
		assertThat(this.redirects.mayFollow(FROM, location)).isFalse();
	}

	@Test
	void doesNotFollowWithoutALocation() {
		assertThat(this.redirects.mayFollow(FROM, null)).isFalse();
	}

	@Test
	void otherOriginsAreNotItsBusiness() {
		assertThat(this.redirects.mayFollow(URI.create("https://other.example/"), "http://anywhere.example/")).isTrue();
	}

	@Test
	void clientThatDoesNotFollowStaysAsItIs() {
		HttpClient client = HttpClient.create();
		assertThat(this.redirects.applyTo(client)).isSameAs(client);
	}

	@Test
	void clientThatFollowsGetsTheGuardAndKeepsItsRedirectConsumer() {
		java.util.function.Consumer<reactor.netty.http.client.HttpClientRequest> consumer = (request) -> {
		};
		HttpClient guarded = this.redirects.applyTo(HttpClient.create().followRedirect(true, consumer));
		assertThat(guarded.configuration().followRedirectPredicate()).isNotNull();
		assertThat(guarded.configuration().redirectRequestConsumer()).isSameAs(consumer);
	}

}
