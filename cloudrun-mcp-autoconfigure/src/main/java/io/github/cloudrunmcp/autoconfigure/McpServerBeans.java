package io.github.cloudrunmcp.autoconfigure;

import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;

/**
 * Registers the beans of one MCP server, such as its {@code McpEventStream}. Declare an
 * implementation as a {@code @Bean} in an auto-configuration: once the {@link McpServers}
 * bean exists (whether auto-configured or the application's own), each one is called for
 * every server, before the application's singletons are created, so that they can inject
 * the beans by type and {@code @Qualifier(serverName)}.
 * <p>
 * Implementations are called in {@link org.springframework.core.annotation.Order @Order}
 * order and may look at what earlier ones registered: the MCP client's beans come at
 * {@link #CLIENT_ORDER}, the event streams at {@link #STREAM_ORDER}. Beans should be
 * created lazily by the registered supplier, not inside {@link #register}.
 *
 * @see McpServerBeanRegistry
 */
@FunctionalInterface
interface McpServerBeans {

	/**
	 * Order of the checks that fail start-up before any bean is registered.
	 */
	int CHECK_ORDER = -100;

	/**
	 * Order of the MCP session, transport and clients of each streamable-http server.
	 */
	int CLIENT_ORDER = 0;

	/**
	 * Order of the event stream of each server, fed by the transport where there is one.
	 */
	int STREAM_ORDER = 100;

	/**
	 * Register the beans of a server.
	 * @param server the server
	 * @param registry where to register them
	 */
	void register(McpServer server, McpServerBeanRegistry registry);

}
