package io.github.cloudrunmcp.listener;

import java.util.List;

import io.github.cloudrunmcp.stream.McpEvent;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.aot.AotDetector;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.aot.BeanFactoryInitializationCode;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

class McpListenerAotProcessorTests {

	@Test
	void registersTheListenerMethodsAndTheTypesTheirParametersMapTo() throws Exception {
		RuntimeHints hints = process(Listeners.class);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Listeners.class, "onProgress"))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Listeners.class, "onEvent")).accepts(hints);
		// The payload record: constructed by Jackson, and its nested types with it.
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(Progress.class)
			.withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Progress.class, "total")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(Step.class)).accepts(hints);
	}

	@Test
	void registersNoBindingForTheEventItsTextOrItsTree() {
		RuntimeHints hints = process(Listeners.class);
		assertThat(RuntimeHintsPredicates.reflection().onType(McpEvent.class)).rejects(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(JsonNode.class)).rejects(hints);
	}

	@Test
	void contributesNothingWithoutListeners() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("plain", new RootBeanDefinition(String.class));
		assertThat(new McpListenerAotProcessor().processAheadOfTime(beanFactory)).isNull();
	}

	@Test
	void isRegisteredForAheadOfTimeProcessing() {
		assertThat(AotDetector.useGeneratedArtifacts()).isFalse();
		assertThat(AotServices.factories().load(BeanFactoryInitializationAotProcessor.class))
			.hasAtLeastOneElementOfType(McpListenerAotProcessor.class);
	}

	private static RuntimeHints process(Class<?> beanClass) {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("listeners", new RootBeanDefinition(beanClass));
		BeanFactoryInitializationAotContribution contribution = new McpListenerAotProcessor()
			.processAheadOfTime(beanFactory);
		assertThat(contribution).isNotNull();
		DefaultGenerationContext generationContext = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get(McpListenerAotProcessorTests.class)),
				new InMemoryGeneratedFiles());
		contribution.applyTo(generationContext, mock(BeanFactoryInitializationCode.class));
		return generationContext.getRuntimeHints();
	}

	static class Listeners {

		@McpListener("notifications/progress")
		void onProgress(Progress progress) {
		}

		@McpListener
		void onEvent(McpEvent event) {
		}

		@McpListener("text")
		void onText(String data) {
		}

		@McpListener("tree")
		void onTree(JsonNode tree) {
		}

		void notAListener(List<String> ignored) {
		}

	}

	record Progress(double progress, double total, Step step) {
	}

	record Step(String name) {
	}

}
