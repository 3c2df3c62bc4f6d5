package io.github.cloudrunmcp.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.cloudrunmcp.server.McpServer;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.InjectionPoint;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.UnsatisfiedDependencyException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains a start-up failure for want of a bean that only servers of one MCP revision
 * have (such as the 2025-11-25 {@code McpAsyncClient}) when the servers speak another
 * one, as {@code auto} servers (the default) do: names the servers, their revision and
 * the property that pins it, and points to {@code McpOperations}, which every
 * streamable-http server has.
 * <p>
 * Ordered first, so that it speaks before Spring Boot's generic "consider defining a
 * bean" analysis. Matches by type names: the MCP Java SDK is optional.
 */
class McpRevisionBeanFailureAnalyzer extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException> implements Ordered {

	private static final String V2025 = "2025-11-25";

	private static final String V2026 = "2026-07-28";

	/**
	 * The beans that only a server of one revision has, by type name: that revision.
	 */
	private static final Map<String, String> REVISION_OF_TYPE = Map.of("io.github.cloudrunmcp.protocol.McpSession",
			V2025, "io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport", V2025,
			"io.modelcontextprotocol.client.McpAsyncClient", V2025,
			"io.github.cloudrunmcp.protocol.McpStatelessSession", V2026,
			"io.github.cloudrunmcp.protocol.StatelessStreamableHttpTransport", V2026,
			"io.modelcontextprotocol.modern.client.McpAsyncClient", V2026,
			"io.modelcontextprotocol.modern.client.McpSyncClient", V2026,
			"io.github.cloudrunmcp.protocol.McpListenStream", V2026);

	/**
	 * The bean (of the default server) that tells a server's revision, by revision.
	 */
	private static final Map<String, String> MARKER_BEANS = Map.of("auto", "mcpNegotiatingSession", V2025, "mcpSession",
			V2026, "mcpStatelessSession");

	private final @Nullable ConfigurableListableBeanFactory beanFactory;

	McpRevisionBeanFailureAnalyzer(BeanFactory beanFactory) {
		this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, NoSuchBeanDefinitionException cause) {
		Class<?> type = cause.getBeanType();
		String wanted = (type != null) ? REVISION_OF_TYPE.get(type.getName()) : null;
		ConfigurableListableBeanFactory beanFactory = this.beanFactory;
		if (type == null || wanted == null || beanFactory == null) {
			return null;
		}
		Map<String, String> others = serversNotSpeaking(beanFactory, wanted);
		String qualifier = qualifier(rootFailure);
		if (qualifier != null && others.containsKey(qualifier)) {
			others = Map.of(qualifier, others.get(qualifier));
		}
		if (others.isEmpty()) {
			return null;
		}
		List<String> servers = new ArrayList<>();
		List<String> properties = new ArrayList<>();
		others.forEach((server, revision) -> {
			servers.add("'" + server + "' (revision " + revision + ")");
			properties.add(property(server) + "=" + wanted);
		});
		String description = "A bean of type " + type.getName() + " is required, which only MCP servers whose "
				+ "revision is " + wanted + " have, but " + ((servers.size() == 1) ? "MCP server " : "MCP servers ")
				+ String.join(", ", servers) + " " + ((servers.size() == 1) ? "has" : "have")
				+ " none. Under revision auto (the default) a server gets McpOperations and an "
				+ "McpNegotiatingSession, not the clients of one revision.";
		String action = "Inject McpOperations (with @Qualifier(\"<server>\") for a named server), which lists and "
				+ "calls tools, reads resources and gets prompts whichever revision is spoken, and gives the SDK's "
				+ "client of the negotiated revision through sessionClient() or statelessClient(); or pin the "
				+ "revision: set " + String.join(", ", properties) + (others.containsKey(McpServer.DEFAULT_NAME) ? ""
						: " (or cloudrun.mcp.revision=" + wanted + " for every server)")
				+ ".";
		return new FailureAnalysis(description, action, cause);
	}

	/**
	 * Return the streamable-http servers that have no beans of a revision, with their
	 * revision, from the bean definitions (the beans themselves are gone after a failed
	 * start-up).
	 */
	private static Map<String, String> serversNotSpeaking(ConfigurableListableBeanFactory beanFactory, String wanted) {
		Map<String, String> servers = new LinkedHashMap<>();
		for (String name : beanFactory.getBeanDefinitionNames()) {
			MARKER_BEANS.forEach((revision, prefix) -> {
				if (revision.equals(wanted)) {
					return;
				}
				if (name.equals(prefix)) {
					servers.put(McpServer.DEFAULT_NAME, revision);
				}
				else if (name.startsWith(prefix + "-")) {
					servers.put(name.substring(prefix.length() + 1), revision);
				}
			});
		}
		return servers;
	}

	/**
	 * Return the qualifier of the injection point that wanted the bean: the innermost
	 * unsatisfied dependency's.
	 */
	private static @Nullable String qualifier(Throwable failure) {
		InjectionPoint point = null;
		for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
			if (cause instanceof UnsatisfiedDependencyException unsatisfied
					&& unsatisfied.getInjectionPoint() != null) {
				point = unsatisfied.getInjectionPoint();
			}
		}
		Qualifier qualifier = (point != null) ? point.getAnnotation(Qualifier.class) : null;
		return (qualifier != null) ? qualifier.value() : null;
	}

	private static String property(String server) {
		return McpServer.DEFAULT_NAME.equals(server) ? "cloudrun.mcp.revision"
				: "cloudrun.mcp.servers." + server + ".revision";
	}

}
