package io.github.cloudrunmcp.protocol;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import io.github.cloudrunmcp.server.McpRevision;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.modern.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link McpOperations} on the 2026-07-28 (stateless) client of a server: its results
 * carried over into the 2025-11-25 types through JSON, so that nothing the server sent is
 * lost on the way (tool input schemas stay verbatim).
 */
public final class McpStatelessOperations implements McpOperations {

	private static final TypeRef<List<McpSchema.Tool>> TOOLS = new TypeRef<>() {
	};

	private static final TypeRef<List<McpSchema.Resource>> RESOURCES = new TypeRef<>() {
	};

	private static final TypeRef<List<McpSchema.Prompt>> PROMPTS = new TypeRef<>() {
	};

	private final McpStatelessSession session;

	private final McpJsonMapper jsonMapper;

	/**
	 * Create the operations of a stateless session.
	 * @param session the session
	 * @param jsonMapper the mapper that carries results over
	 */
	public McpStatelessOperations(McpStatelessSession session, McpJsonMapper jsonMapper) {
		this.session = Objects.requireNonNull(session, "session");
		this.jsonMapper = Objects.requireNonNull(jsonMapper, "jsonMapper");
	}

	@Override
	public String server() {
		return this.session.server().name();
	}

	@Override
	public Optional<McpRevision> revision() {
		return Optional.of(McpRevision.V2026_07_28);
	}

	@Override
	public Mono<List<McpSchema.Tool>> listTools() {
		// From the server, not the SDK's kept list: that one is only as fresh as the last
		// refresh after a change (McpToolLists keeps the lists), and this listing
		// refreshes it too.
		return this.session.async()
			.listTools()
			.skipCache()
			.list()
			.map((result) -> this.jsonMapper.convertValue(result.tools(), TOOLS));
	}

	@Override
	public Mono<McpSchema.CallToolResult> callTool(String name, Map<String, Object> arguments) {
		return this.session.async()
			.tool(name)
			.arguments(arguments)
			// Asks for progress (a progressToken), which reaches the event stream.
			.progress((progress) -> Mono.empty())
			.call()
			.map((result) -> this.jsonMapper.convertValue(result, McpSchema.CallToolResult.class));
	}

	@Override
	public Mono<List<McpSchema.Resource>> listResources() {
		return pages((cursor) -> list(this.session.async().resources(), cursor),
				io.modelcontextprotocol.modern.McpSchema.ListResourcesResult::nextCursor)
			.concatMapIterable(io.modelcontextprotocol.modern.McpSchema.ListResourcesResult::resources)
			.collectList()
			.map((resources) -> this.jsonMapper.convertValue(resources, RESOURCES));
	}

	@Override
	public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
		return this.session.async()
			.resource(uri)
			.read()
			.map((result) -> this.jsonMapper.convertValue(result, McpSchema.ReadResourceResult.class));
	}

	@Override
	public Mono<List<McpSchema.Prompt>> listPrompts() {
		return pages((cursor) -> list(this.session.async().prompts(), cursor),
				io.modelcontextprotocol.modern.McpSchema.ListPromptsResult::nextCursor)
			.concatMapIterable(io.modelcontextprotocol.modern.McpSchema.ListPromptsResult::prompts)
			.collectList()
			.map((prompts) -> this.jsonMapper.convertValue(prompts, PROMPTS));
	}

	@Override
	public Mono<McpSchema.GetPromptResult> getPrompt(String name, Map<String, String> arguments) {
		return this.session.async()
			.prompt(name)
			.arguments(arguments)
			.get()
			.map((result) -> this.jsonMapper.convertValue(result, McpSchema.GetPromptResult.class));
	}

	@Override
	public Optional<io.modelcontextprotocol.client.McpAsyncClient> sessionClient() {
		return Optional.empty();
	}

	@Override
	public Optional<McpAsyncClient> statelessClient() {
		return Optional.of(this.session.async());
	}

	private static <R extends io.modelcontextprotocol.modern.McpSchema.CacheableResult> Mono<R> list(
			McpAsyncClient.ListSpec<R> spec, @Nullable String cursor) {
		return ((cursor != null) ? spec.cursor(cursor) : spec).list();
	}

	/**
	 * Every page of a listing, up to the SDK's own bound on pages, so that a server whose
	 * cursors never end cannot keep the call going.
	 */
	private static <P> Flux<P> pages(Function<@Nullable String, Mono<P>> page, Function<P, @Nullable String> next) {
		return page.apply(null).expand((previous) -> {
			String cursor = next.apply(previous);
			return (cursor == null || cursor.isEmpty()) ? Mono.empty() : page.apply(cursor);
		}).take(io.modelcontextprotocol.modern.client.McpClient.DEFAULT_MAX_LIST_PAGES);
	}

}
