package io.github.cloudrunmcp.autoconfigure;

import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

class CloudRunMcpRuntimeHintsTests {

	private final RuntimeHints hints = new RuntimeHints();

	CloudRunMcpRuntimeHintsTests() {
		new CloudRunMcpRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
	}

	@Test
	void registersThePropertiesAndTheirNestedTypes() {
		assertThat(RuntimeHintsPredicates.reflection().onType(CloudRunMcpProperties.class)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(CloudRunMcpProperties.Stream.class)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(McpFleetProperties.class)).accepts(this.hints);
	}

	@Test
	void registersTheSdkTypesTheLibraryMaps() throws Exception {
		for (Class<?> type : new Class<?>[] { McpSchema.CallToolResult.class, McpSchema.ProgressNotification.class,
				McpSchema.LoggingMessageNotification.class, McpSchema.ReadResourceResult.class,
				McpSchema.GetPromptResult.class, McpSchema.Tool.class }) {
			assertThat(RuntimeHintsPredicates.reflection()
				.onType(type)
				.withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).as(type.getName())
				.accepts(this.hints);
		}
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(McpSchema.ProgressNotification.class, "progress")).accepts(this.hints);
	}

	@Test
	void isRegisteredForAheadOfTimeProcessing() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(CloudRunMcpRuntimeHints.class);
	}

}
