package io.github.cloudrunmcp.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.cloudrunmcp.test.FakeEventServer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * What cloudrun-mcp's auto-configuration adds to a Spring context's start: the same
 * non-web application started with {@code cloudrun.mcp.enabled} true and false,
 * alternately, in one JVM after warm-up; medians of each.
 */
public final class StartupBenchmark {

	private StartupBenchmark() {
	}

	public static void main(String[] args) {
		boolean quick = Arrays.asList(args).contains("--quick");
		int warmups = quick ? 2 : 10;
		int rounds = quick ? 3 : 30;
		try (FakeEventServer server = new FakeEventServer().start()) {
			List<Double> with = new ArrayList<>();
			List<Double> without = new ArrayList<>();
			for (int i = 0; i < warmups + rounds; i++) {
				double on = start(server.origin(), true);
				double off = start(server.origin(), false);
				if (i >= warmups) {
					with.add(on);
					without.add(off);
				}
			}
			double medianWith = median(with);
			double medianWithout = median(without);
			Report.publish("startup", String.format(Locale.ROOT,
					"Start-up of a non-web Spring Boot application, median of %d starts after %d warm-up starts%s:%n%n"
							+ "| cloudrun-mcp | median start (ms) |%n| --- | ---: |%n| disabled | %.1f |%n"
							+ "| enabled (default server, stream and listener factory) | %.1f |%n"
							+ "| added by cloudrun-mcp | %.1f |%n",
					rounds, warmups, quick ? " (--quick smoke run)" : "", medianWithout, medianWith,
					medianWith - medianWithout));
		}
		System.exit(0);
	}

	private static double start(String baseUrl, boolean enabled) {
		SpringApplication application = new SpringApplication(App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setLogStartupInfo(false);
		application.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
		application.setDefaultProperties(Map.of("cloudrun.mcp.base-url", baseUrl, "cloudrun.mcp.enabled",
				String.valueOf(enabled), "logging.level.root", "warn"));
		long start = System.nanoTime();
		ConfigurableApplicationContext context = application.run();
		double millis = (System.nanoTime() - start) / 1e6;
		context.close();
		return millis;
	}

	private static double median(List<Double> values) {
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		return sorted[sorted.length / 2];
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

	}

}
