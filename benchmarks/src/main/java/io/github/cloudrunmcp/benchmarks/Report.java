package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a harness's table goes: always to standard output and, in a full run
 * ({@code benchmarks/run.sh} sets {@value #RESULTS_DIR}), to a file named after the
 * section in that directory ({@code throughput.md} for {@code throughput}), from which
 * {@link ResultsWriter} fills the section's block of {@code RESULTS.md}.
 */
final class Report {

	/**
	 * The system property naming the directory that collects a full run's tables.
	 */
	static final String RESULTS_DIR = "benchmarks.results-dir";

	private Report() {
	}

	/**
	 * Print a table and, in a full run, keep it for {@code RESULTS.md}.
	 * @param section the name of the section's block in {@code RESULTS.md}
	 * @param markdown the table, with its caption
	 */
	static void publish(String section, String markdown) {
		System.out.println();
		System.out.println(markdown);
		String directory = System.getProperty(RESULTS_DIR);
		if (directory == null || directory.isBlank()) {
			return;
		}
		try {
			Path dir = Path.of(directory);
			Files.createDirectories(dir);
			Files.writeString(dir.resolve(section + ".md"), markdown.strip() + "\n");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
