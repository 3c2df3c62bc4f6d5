package io.github.cloudrunmcp.autoconfigure;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Contributes the library's logging defaults, at the lowest precedence so that any
 * {@code logging.level.*} the application sets wins.
 *
 * <p>
 * The MCP Java SDK logs the server's whole {@code instructions} text at INFO on every
 * initialize (tens of lines from some servers, again at every session renewal); its
 * logger is set to WARN, and the library logs the instructions itself at DEBUG under
 * {@code io.github.cloudrunmcp.protocol.McpSessionLifecycle}.
 */
public final class McpLoggingEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** Name of the property source that holds the defaults. */
	public static final String PROPERTY_SOURCE_NAME = "cloudrunMcpLoggingDefaults";

	static final String SDK_INITIALIZER_LEVEL = "logging.level.io.modelcontextprotocol.client.LifecycleInitializer";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		// Set already (in the default properties too, which end up behind these): kept.
		if (environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)
				|| environment.containsProperty(SDK_INITIALIZER_LEVEL)) {
			return;
		}
		environment.getPropertySources()
			.addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of(SDK_INITIALIZER_LEVEL, "WARN")));
	}

	@Override
	public int getOrder() {
		// After the config data (application.properties) has been added: last means
		// behind it.
		return Ordered.LOWEST_PRECEDENCE;
	}

}
