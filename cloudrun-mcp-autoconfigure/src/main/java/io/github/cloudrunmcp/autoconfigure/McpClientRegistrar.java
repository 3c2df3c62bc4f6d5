package io.github.cloudrunmcp.autoconfigure;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.cloudrunmcp.protocol.McpClientFactory;
import io.github.cloudrunmcp.protocol.McpSession;
import io.github.cloudrunmcp.protocol.ResumableStreamableHttpTransport;
import io.github.cloudrunmcp.server.McpServer;
import io.github.cloudrunmcp.server.McpServers;
import io.github.cloudrunmcp.server.McpTransportType;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpSyncClient;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers, for each server whose transport is streamable-http, an {@link McpSession}
 * ({@code mcpSession}, {@code mcpSession-<name>}), its transport ({@code mcpTransport},
 * {@code mcpTransport-<name>}), its {@link McpAsyncClient} ({@code mcpAsyncClient},
 * {@code mcpAsyncClient-<name>}) and its {@link McpSyncClient} ({@code mcpSyncClient},
 * {@code mcpSyncClient-<name>}), each qualified by the server's name and primary for the
 * default server.
 */
class McpClientRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

	private Environment environment;

	private BeanFactory beanFactory;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		for (Map.Entry<String, McpTransportType> entry : McpProtocolServers.transports(this.environment).entrySet()) {
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
			register(registry, McpProtocolServers.beanName("mcpSyncClient", name), name, McpSyncClient.class,
					() -> session(sessionBean, McpSession::sync));
		}
	}

	private static <T> void register(BeanDefinitionRegistry registry, String beanName, String server, Class<T> type,
			Supplier<T> supplier) {
		if (registry.containsBeanDefinition(beanName)) {
			return;
		}
		RootBeanDefinition definition = new RootBeanDefinition(type, supplier);
		definition.setPrimary(McpServer.DEFAULT_NAME.equals(server));
		definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, server));
		// The session lifecycle closes the clients.
		definition.setDestroyMethodName("");
		registry.registerBeanDefinition(beanName, definition);
	}

	private McpSession create(String name) {
		McpServer server = this.beanFactory.getBean(McpServers.class).get(name);
		return this.beanFactory.getBean(McpClientFactory.class).create(server);
	}

	private <T> T session(String sessionBean, Function<McpSession, T> part) {
		return part.apply(this.beanFactory.getBean(sessionBean, McpSession.class));
	}

}
