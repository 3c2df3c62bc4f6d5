package io.github.cloudrunmcp.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sample service: it follows an MCP server's event stream, logs each event from
 * {@code @McpListener} methods, and shows the stream live at
 * {@code http://localhost:8080/}.
 *
 * <p>
 * Without {@code cloudrun.mcp.base-url} (or {@code CLOUDRUN_MCP_BASE_URL}) it runs in the
 * {@code local} profile against an in-process demo: see
 * {@link io.github.cloudrunmcp.sample.local.LocalDemoInitializer}.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
