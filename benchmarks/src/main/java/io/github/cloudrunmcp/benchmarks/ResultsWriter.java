package io.github.cloudrunmcp.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.management.OperatingSystemMXBean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a full run's tables into {@code RESULTS.md}: each block between
 * {@code <!-- BEGIN generated:NAME -->} and {@code <!-- END generated:NAME -->} is
 * replaced by {@code NAME.md} from the run's directory, and the {@code machine} block by
 * the machine's cores, memory and JDK. JMH results ({@code jmh-NAME.json}) become
 * {@code NAME.md} tables first. A block the run left no table for fails the run, so that
 * no table in the file silently comes from an older run; the soak and fleet blocks are
 * the exception, since those run on their own ({@code benchmarks/soak.sh},
 * {@code benchmarks/fleet.sh}).
 * <p>
 * Usage: {@code ResultsWriter RESULTS.md DIR [--partial]}; with {@code --partial}, only
 * the blocks the run left tables for are replaced (the soak run's way), the others and
 * the {@code machine} block stay.
 */
public final class ResultsWriter {

	private static final Pattern BLOCK = Pattern
		.compile("(<!-- BEGIN generated:([a-z0-9-]+) -->\\n)(.*?)(<!-- END generated:\\2 -->)", Pattern.DOTALL);

	/** Blocks filled by runs of their own, not by {@code benchmarks/run.sh}. */
	private static final List<String> SEPARATE_RUNS = List.of("soak", "soak-quick", "fleet", "fleet-quick");

	private ResultsWriter() {
	}

	public static void main(String[] args) throws IOException {
		boolean partial = args.length == 3 && args[2].equals("--partial");
		if (args.length != 2 && !partial) {
			System.err.println("Usage: ResultsWriter RESULTS.md RESULTS_DIR [--partial]");
			System.exit(2);
		}
		Path results = Path.of(args[0]);
		Path dir = Path.of(args[1]);
		Map<String, String> tables = new LinkedHashMap<>();
		if (!partial) {
			tables.put("machine", machine());
		}
		try (var files = Files.list(dir)) {
			for (Path file : files.sorted().toList()) {
				String name = file.getFileName().toString();
				if (name.startsWith("jmh-") && name.endsWith(".json")) {
					tables.put(name.substring(4, name.length() - 5), jmhTable(file));
				}
				else if (name.endsWith(".md")) {
					tables.put(name.substring(0, name.length() - 3), Files.readString(file).strip());
				}
			}
		}
		String text = Files.readString(results);
		Matcher matcher = BLOCK.matcher(text);
		StringBuilder out = new StringBuilder();
		List<String> missing = new ArrayList<>();
		List<String> written = new ArrayList<>();
		while (matcher.find()) {
			String name = matcher.group(2);
			String table = tables.get(name);
			if (table == null) {
				if (!partial && !SEPARATE_RUNS.contains(name)) {
					missing.add(name);
				}
				matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group()));
			}
			else {
				written.add(name);
				matcher.appendReplacement(out,
						Matcher.quoteReplacement(matcher.group(1) + table + "\n" + matcher.group(4)));
			}
		}
		matcher.appendTail(out);
		if (written.isEmpty() || !missing.isEmpty()) {
			System.err.println("This run left no table for " + missing + " in " + dir + "; " + results
					+ " was not changed. Run benchmarks/run.sh without --quick.");
			System.exit(1);
		}
		Files.writeString(results, out.toString());
		System.out.println("Wrote " + written + " into " + results);
	}

	private static String machine() {
		OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		return String.format(Locale.ROOT,
				"Tables from one full run on %s: %d cores, %.0f GiB of memory, Java %s (%s, %s), %s %s.",
				LocalDate.now(ZoneOffset.UTC), Runtime.getRuntime().availableProcessors(),
				os.getTotalMemorySize() / (1024.0 * 1024 * 1024), System.getProperty("java.version"),
				ManagementFactory.getRuntimeMXBean().getVmName(), System.getProperty("java.vm.vendor"),
				System.getProperty("os.name"), System.getProperty("os.arch"));
	}

	/**
	 * A JMH JSON result as a table: the score and error of each benchmark and, where the
	 * GC profiler ran, the bytes it allocated per operation.
	 */
	static String jmhTable(Path json) throws IOException {
		JsonNode runs = JsonMapper.builder().build().readTree(json.toFile());
		boolean allocation = false;
		for (JsonNode run : runs) {
			allocation |= run.path("secondaryMetrics").has("gc.alloc.rate.norm");
		}
		StringBuilder out = new StringBuilder();
		JsonNode first = runs.get(0);
		out.append(String.format(Locale.ROOT, "JMH %s, %d fork, %d × %s warm-up, %d × %s measurement:%n%n",
				first.path("jmhVersion").asString(), first.path("forks").asInt(),
				first.path("warmupIterations").asInt(), first.path("warmupTime").asString(),
				first.path("measurementIterations").asInt(), first.path("measurementTime").asString()));
		out.append("| benchmark | score | error (99.9 %) | unit |").append(allocation ? " allocated (B/op) |" : "");
		out.append("\n| --- | ---: | ---: | --- |").append(allocation ? " ---: |" : "").append('\n');
		for (JsonNode run : runs) {
			String name = run.path("benchmark").asString();
			JsonNode primary = run.path("primaryMetric");
			out.append(String.format(Locale.ROOT, "| `%s` | %s | %s | %s |", name.substring(name.lastIndexOf('.') + 1),
					number(primary.path("score")), number(primary.path("scoreError")),
					primary.path("scoreUnit").asString()));
			if (allocation) {
				out.append(" ")
					.append(number(run.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score")))
					.append(" |");
			}
			out.append('\n');
		}
		return out.toString().strip();
	}

	/**
	 * A JMH figure with one decimal; JMH writes {@code "NaN"} (a string) for the error of
	 * a single iteration.
	 */
	private static String number(JsonNode node) {
		return node.isNumber() ? String.format(Locale.ROOT, "%.1f", node.doubleValue()) : "n/a";
	}

}
