package io.github.cloudrunmcp.autoconfigure;

import java.util.Map;
import java.util.function.Function;

import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.modelcontextprotocol.client.McpAsyncClient;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers, for each server whose transport is streamable-http, an {@link McpSession}
 * ({@code mcpSession}, {@code mcpSession-<name>}), its transport ({@code mcpTransport},
 * {@code mcpTransport-<name>}) and its {@link McpAsyncClient} ({@code mcpAsyncClient},
 * {@code mcpAsyncClient-<name>}), each qualified by the server's name and primary for the
 * default server.
 */
class McpClientRegistrar extends McpServerBeanRegistrar {

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		for (Map.Entry<String, McpTransportType> entry : McpProtocolServers.transports(environment()).entrySet()) {
			if (entry.getValue() != McpTransportType.STREAMABLE_HTTP) {
				continue;
			}
			String name = entry.getKey();
			String sessionBean = McpProtocolServers.beanName("mcpSession", name);
			register(registry, sessionBean, name, McpSession.class, () -> create(name));
			register(registry, McpProtocolServers.beanName("mcpTransport", name), name,
					ResumableStreamableHttpTransport.class, () -> session(sessionBean, McpSession::transport));
			register(registry, McpProtocolServers.beanName("mcpAsyncClient", name), name, McpAsyncClient.class,
					() -> session(sessionBean, McpSession::async));
		}
	}

	private McpSession create(String name) {
		McpServer server = beanFactory().getBean(McpServers.class).get(name);
		return beanFactory().getBean(McpClientFactory.class).create(server);
	}

	private <T> T session(String sessionBean, Function<McpSession, T> part) {
		return part.apply(beanFactory().getBean(sessionBean, McpSession.class));
	}

}
