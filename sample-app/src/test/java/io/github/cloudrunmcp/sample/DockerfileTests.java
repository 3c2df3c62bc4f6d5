package io.github.cloudrunmcp.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the Dockerfile without a Docker engine: every instruction is known, the build is
 * multi-stage, the runtime runs as a non-root user on a JRE with the layered jar, and
 * every file it copies from the repository exists.
 */
class DockerfileTests {

	private static final List<String> INSTRUCTIONS = List.of("FROM", "WORKDIR", "COPY", "RUN", "USER", "ENV", "EXPOSE",
			"ENTRYPOINT", "ARG", "LABEL");

	private final List<String> lines = instructions();

	private static List<String> instructions() {
		try {
			String text = Files.readString(Path.of("Dockerfile")).replace("\\\n", " ");
			return text.lines().map(String::trim).filter((line) -> !line.isEmpty() && !line.startsWith("#")).toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void everyInstructionIsKnown() {
		assertThat(this.lines).allSatisfy((line) -> assertThat(INSTRUCTIONS).contains(line.split("\\s+")[0]));
	}

	@Test
	void buildsInOneStageAndRunsOnAJreInAnother() {
		List<String> from = this.lines.stream().filter((line) -> line.startsWith("FROM ")).toList();
		assertThat(from).hasSize(2);
		assertThat(from.get(0)).contains("-jdk").endsWith("AS build");
		assertThat(from.get(1)).contains("-jre");
	}

	@Test
	void runsAsNonRootWithTheLayeredJar() {
		String runtime = String.join("\n",
				this.lines.subList(this.lines.indexOf(this.lines.stream()
					.filter((line) -> line.startsWith("FROM ") && line.contains("-jre"))
					.findFirst()
					.orElseThrow()), this.lines.size()));
		assertThat(runtime).containsPattern("USER (?!root|0\\b)\\S+");
		assertThat(runtime).contains("extracted/dependencies/", "extracted/spring-boot-loader/",
				"extracted/application/");
		assertThat(runtime).contains("ENTRYPOINT [\"java\"", "org.springframework.boot.loader.launch.JarLauncher");
		assertThat(runtime).contains("EXPOSE 8080");
	}

	@Test
	void copiedSourcesExistInTheRepository() {
		Path root = Path.of("..");
		Pattern copy = Pattern.compile("^COPY (?!--from)(.+) \\S+$");
		for (String line : this.lines) {
			Matcher matcher = copy.matcher(line);
			if (matcher.matches()) {
				for (String source : matcher.group(1).trim().split("\\s+")) {
					assertThat(root.resolve(source)).as(line).exists();
				}
			}
		}
	}

	@Test
	void baseImagesArePinnedByDigest() {
		assertThat(this.lines.stream().filter((line) -> line.startsWith("FROM "))).hasSize(2)
			.allSatisfy((line) -> assertThat(line).containsPattern("^FROM \\S+@sha256:[0-9a-f]{64}( AS \\w+)?$"));
	}

	@Test
	void buildsWithoutTheLocalDemoAndTestSupport() throws IOException {
		String pom = Files.readString(Path.of("pom.xml"));
		assertThat(this.lines).anySatisfy((line) -> assertThat(line).startsWith("RUN ./mvnw")
			.contains(" -Dsample.image ")
			.contains("-Dmaven.test.skip=true"));
		// The property switches the local-demo profile (which adds cloudrun-mcp-test)
		// off.
		assertThat(pom).contains("<name>!sample.image</name>").contains("<name>sample.image</name>");
	}

	@Test
	void copiesEveryModuleThatMavenReads() throws IOException {
		String rootPom = Files.readString(Path.of("..", "pom.xml"));
		Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
		String copies = String.join("\n", this.lines);
		while (module.find()) {
			assertThat(copies).as(module.group(1)).containsPattern("COPY " + module.group(1) + "/(pom\\.xml)? ");
		}
	}

	@Test
	void buildsTheJarThatItExtracts() throws IOException {
		String pom = Files.readString(Path.of("pom.xml"));
		assertThat(pom).contains("<artifactId>sample-app</artifactId>");
		assertThat(String.join("\n", this.lines)).contains("sample-app/target/sample-app-0.1.0-SNAPSHOT.jar");
	}

}
