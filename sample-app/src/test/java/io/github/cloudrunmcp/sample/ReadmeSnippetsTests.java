package io.github.cloudrunmcp.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's complete Java examples (the {@code java} blocks with imports, which a
 * reader copies as files) compile as written against the starter: no missing import, no
 * undeclared logger, no method the library or the SDK does not have. Shorter fragments (a
 * method, a statement) show one call in context and are not compiled.
 */
class ReadmeSnippetsTests {

	private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

	private static final Pattern CLASS_NAME = Pattern.compile("^(?:public |final )*class (\\w+)", Pattern.MULTILINE);

	@Test
	void completeExamplesCompile(@TempDir Path sources) throws IOException {
		String readme = Files.readString(Path.of("../README.md"));
		List<String> files = new ArrayList<>();
		Matcher block = JAVA_BLOCK.matcher(readme);
		while (block.find()) {
			String code = block.group(1);
			if (!code.contains("\nimport ") && !code.startsWith("import ")) {
				continue;
			}
			Matcher name = CLASS_NAME.matcher(code);
			assertThat(name.find()).as("a class in:%n%s", code).isTrue();
			Path file = sources.resolve(name.group(1) + ".java");
			assertThat(file).as("two README examples declare %s", name.group(1)).doesNotExist();
			Files.writeString(file, code);
			files.add(file.toString());
		}
		assertThat(files).as("complete examples in the README").hasSizeGreaterThanOrEqualTo(2);
		JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
		ByteArrayOutputStream errors = new ByteArrayOutputStream();
		List<String> arguments = new ArrayList<>(List.of("-proc:none", "-d", sources.resolve("classes").toString(),
				"-classpath", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
		arguments.addAll(files);
		int result = compiler.run(null, errors, errors, arguments.toArray(String[]::new));
		assertThat(result).as("javac of the README's examples:%n%s", errors.toString(StandardCharsets.UTF_8)).isZero();
	}

}
