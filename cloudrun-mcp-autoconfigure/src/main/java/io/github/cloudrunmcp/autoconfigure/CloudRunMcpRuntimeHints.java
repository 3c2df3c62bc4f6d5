package io.github.cloudrunmcp.autoconfigure;

import io.modelcontextprotocol.spec.McpSchema;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;
import org.springframework.util.ClassUtils;

/**
 * Runtime hints for what cloudrun-mcp binds by reflection: its configuration properties
 * (with every nested type, such as the per-server settings) and, when the MCP Java SDK is
 * on the class path, the SDK's protocol types that the library maps JSON to and from with
 * Jackson (results of calls, notifications such as {@code ProgressNotification},
 * elicitations). The parameter types of {@code @McpListener} methods are the
 * application's: {@link io.github.cloudrunmcp.listener.McpListenerAotProcessor} registers
 * them.
 * <p>
 * Registered in {@code META-INF/spring/aot.factories}.
 */
public final class CloudRunMcpRuntimeHints implements RuntimeHintsRegistrar {

	private static final String MCP_SCHEMA = "io.modelcontextprotocol.spec.McpSchema";

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		BindableRuntimeHintsRegistrar.forTypes(CloudRunMcpProperties.class, McpFleetProperties.class)
			.registerHints(hints, classLoader);
		if (ClassUtils.isPresent(MCP_SCHEMA, classLoader)) {
			SdkTypes.registerHints(hints);
		}
	}

	/**
	 * The SDK's types, in a class of their own so that nothing loads them when the SDK is
	 * absent.
	 */
	private static final class SdkTypes {

		static void registerHints(RuntimeHints hints) {
			// The protocol's messages are the schema's nested records, enums and sealed
			// interfaces: all of them, as the SDK maps any of them from the server's
			// JSON.
			new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(),
					McpSchema.class.getDeclaredClasses());
		}

	}

}
