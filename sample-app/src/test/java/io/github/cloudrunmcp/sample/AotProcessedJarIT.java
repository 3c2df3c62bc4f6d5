package io.github.cloudrunmcp.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged jar, processed ahead of time ({@code -Paot}), run as a native image would
 * run it, with {@code spring.aot.enabled=true}: the local demo starts, its events reach
 * the listeners, and SIGTERM stops it cleanly.
 */
class AotProcessedJarIT {

	@Test
	void runsTheLocalDemoInAotMode() throws Exception {
		Path jar = Path.of(System.getProperty("sample.jar", "target/sample-app.jar"));
		assertThat(jar).as("the packaged sample (run with -Paot verify)").isRegularFile();
		ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Dspring.aot.enabled=true", "-jar", jar.toString(), "--server.port=0",
				"--sample.demo.interval-millis=300")
			.redirectErrorStream(true);
		builder.environment().put("NO_GCE_CHECK", "true");
		builder.environment().remove("GOOGLE_APPLICATION_CREDENTIALS");
		Process process = builder.start();
		List<String> lines = new CopyOnWriteArrayList<>();
		Thread reader = new Thread(() -> read(process, lines), "aot-jar-output");
		reader.setDaemon(true);
		reader.start();
		try {
			await().atMost(Duration.ofMinutes(2))
				.untilAsserted(() -> assertThat(lines)
					.anyMatch((line) -> line.contains("Conversation ") && line.contains(" answered")));
			assertThat(lines).anyMatch((line) -> line.contains("Starting AOT-processed SampleApplication"));
			process.destroy();
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM").isTrue();
			reader.join(5000);
			assertThat(lines).noneMatch((line) -> line.contains(" ERROR "))
				.noneMatch((line) -> line.contains("Exception"));
		}
		finally {
			process.destroyForcibly();
			Files.write(Path.of(System.getProperty("sample.jar.log", "target/aot-jar.log")), lines,
					StandardCharsets.UTF_8);
		}
	}

	private static void read(Process process, List<String> lines) {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				lines.add(line);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
