package io.github.cloudrunmcp.sample;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import io.github.cloudrunmcp.sample.local.LocalDemo;
import io.github.cloudrunmcp.test.FakeEventServer.End;
import io.github.cloudrunmcp.test.FakeEventServer.Plan;
import io.github.cloudrunmcp.test.FakeMcpServer;
import io.github.cloudrunmcp.test.FakeMcpServer.Reply;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Loads the page in headless Chromium (Debian's chromium and chromium-driver, which
 * .ci/run installs) and checks that it shows live events, the stream status, and the
 * metrics: charts of events per second, reconnects and tool-call latency, read from the
 * screenshot's pixels, and each server's health and protocol revision.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.demo.interval-millis=500", "cloudrun.mcp.client.liveness-interval=1s" })
class PageBrowserTests {

	private static final Log logger = LogFactory.getLog(PageBrowserTests.class);

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	private static final Pattern RGB = Pattern.compile("rgba?\\((\\d+), (\\d+), (\\d+)");

	/** An MCP server next to the demo's event stream, whose tool takes a while. */
	private static final FakeMcpServer mcpServer = new FakeMcpServer().on("tools/call", PageBrowserTests::echoSlowly);

	@LocalServerPort
	private int port;

	private ChromeDriver driver;

	@DynamicPropertySource
	static void mcpServer(DynamicPropertyRegistry registry) {
		mcpServer.start();
		registry.add("cloudrun.mcp.servers.tools.base-url", mcpServer::origin);
		registry.add("cloudrun.mcp.servers.tools.transport", () -> "streamable-http");
	}

	private static Reply echoSlowly(FakeMcpServer.Request request) {
		try {
			Thread.sleep(40);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return Reply.result(request.id(), "{\"content\":[{\"type\":\"text\",\"text\":\"Echo\"}]}");
	}

	@AfterAll
	static void stopMcpServer() {
		mcpServer.stop();
	}

	@BeforeEach
	void startBrowser() {
		assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
				"Chromium is not installed (apt-get install chromium chromium-driver); .ci/run installs it");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--window-size=1280,900", "--force-device-scale-factor=1");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.build();
		this.driver = new ChromeDriver(service, options);
	}

	@AfterEach
	void stopBrowser() {
		if (this.driver != null) {
			this.driver.quit();
		}
	}

	@Test
	void pageShowsLiveEventsTheStreamStatusAndTheMetrics() throws Exception {
		this.driver.get("http://localhost:" + this.port + "/");
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> Integer.parseInt(text("count")) >= 12);
		assertThat(this.driver.findElements(By.cssSelector("#events tr[data-type='model.response']"))).isNotEmpty();
		assertThat(text("types")).contains("context.create").contains("agent.reply");
		await().atMost(Duration.ofSeconds(10)).until(() -> text("answer").contains("42"));
		callTools(3);
		Thread.sleep(1500);
		callTools(3);
		// The first connection ended after 20 events (see FirstConnectionEnds): the
		// stream reconnected and goes on.
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			assertThat(text("status")).isEqualTo("OPEN");
			assertThat(Double.parseDouble(text("value-events"))).isPositive();
			assertThat(Long.parseLong(text("value-reconnects"))).isGreaterThanOrEqualTo(1);
			assertThat(text("value-latency")).matches("\\d+\\.\\d \\(6 calls\\)");
			assertThat(cell("default", "health")).isEqualTo("UP");
			assertThat(cell("tools", "health")).isEqualTo("UP");
		});
		assertThat(cell("default", "transport")).isEqualTo("events");
		assertThat(cell("tools", "transport")).isEqualTo("streamable-http");
		assertThat(cell("tools", "revision")).matches("\\d{4}-\\d{2}-\\d{2}");
		assertThat(Double.parseDouble(text("value-latency").split(" ")[0])).isGreaterThanOrEqualTo(40);
		assertThat(this.driver.findElement(By.id("chart-latency")).getAttribute("aria-label"))
			.startsWith("Tool-call latency in ms (mean of each second's calls) over the last 60 s: latest ");
		byte[] png = this.driver.getScreenshotAs(OutputType.BYTES);
		Path screenshot = Path.of("target", "page.png");
		Files.createDirectories(screenshot.getParent());
		Files.write(screenshot, png);
		BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
		int events = seriesPixels(image, "chart-events");
		int reconnects = seriesPixels(image, "chart-reconnects");
		int latency = seriesPixels(image, "chart-latency");
		logger.info("The page showed " + text("value-events") + " events/s, " + text("value-reconnects")
				+ " reconnects, tool-call latency " + text("value-latency") + " ms, servers default "
				+ cell("default", "health") + " (" + cell("default", "revision") + ") and tools "
				+ cell("tools", "health") + " (" + cell("tools", "revision") + "); series pixels in the screenshot: "
				+ events + " events/s, " + reconnects + " reconnects, " + latency + " latency");
		// A line across several seconds, and at least two dots of tool calls.
		assertThat(events).as("pixels of the events-per-second series").isGreaterThan(60);
		assertThat(reconnects).as("pixels of the reconnects series").isGreaterThan(60);
		assertThat(latency).as("pixels of the tool-call latency series").isGreaterThan(30);
	}

	@Test
	void aStatusOlderThanTheOneShownIsIgnored() {
		this.driver.get("http://localhost:" + this.port + "/");
		// A poll's answer may arrive after a newer status was pushed: the page keeps the
		// newer. Both come from the far future, so that the stream's own statuses, all
		// older, do not come between.
		this.driver.executeScript("showStatus('CLOSED', 'newer', Number.MAX_SAFE_INTEGER - 1);"
				+ "showStatus('CONNECTING', 'older', Number.MAX_SAFE_INTEGER - 2);");
		assertThat(text("status")).isEqualTo("CLOSED");
		assertThat(text("detail")).isEqualTo("newer");
	}

	private String text(String id) {
		return this.driver.findElement(By.id(id)).getText();
	}

	private String cell(String server, String column) {
		// One script reads the cell, while the page refreshes the table every second.
		Object text = this.driver.executeScript("const cell = document.querySelector("
				+ "'#servers tr[data-server=\"' + arguments[0] + '\"] td.' + arguments[1]);"
				+ "return cell ? cell.textContent : null;", server, column);
		return String.valueOf(text);
	}

	private void callTools(int calls) throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		for (int i = 0; i < calls; i++) {
			HttpRequest request = HttpRequest
				.newBuilder(URI.create("http://localhost:" + this.port + "/api/mcp/tools/tools/echo"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"hi\"}"))
				.build();
			assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
		}
	}

	/**
	 * Count the screenshot's pixels of the chart's series colour (the canvas's CSS
	 * {@code color}, which the page draws with) inside the canvas's bounding box: nothing
	 * else in the box has that colour, so they are the drawn data.
	 */
	private int seriesPixels(BufferedImage image, String canvasId) {
		WebElement canvas = this.driver.findElement(By.id(canvasId));
		@SuppressWarnings("unchecked")
		Map<String, Object> box = (Map<String, Object>) this.driver.executeScript("""
				const box = arguments[0].getBoundingClientRect();
				return { x: box.x, y: box.y, width: box.width, height: box.height,
				  ratio: window.devicePixelRatio, color: getComputedStyle(arguments[0]).color };""", canvas);
		double ratio = number(box, "ratio");
		Matcher rgb = RGB.matcher((String) box.get("color"));
		assertThat(rgb.find()).as("colour of %s: %s", canvasId, box.get("color")).isTrue();
		int red = Integer.parseInt(rgb.group(1));
		int green = Integer.parseInt(rgb.group(2));
		int blue = Integer.parseInt(rgb.group(3));
		int left = (int) Math.ceil(number(box, "x") * ratio);
		int top = (int) Math.ceil(number(box, "y") * ratio);
		int right = Math.min(image.getWidth(), (int) ((number(box, "x") + number(box, "width")) * ratio));
		int bottom = Math.min(image.getHeight(), (int) ((number(box, "y") + number(box, "height")) * ratio));
		assertThat(right - left).as("width of %s in the screenshot", canvasId).isGreaterThan(100);
		assertThat(bottom - top).as("height of %s in the screenshot", canvasId).isGreaterThan(50);
		int count = 0;
		for (int y = top; y < bottom; y++) {
			for (int x = left; x < right; x++) {
				int pixel = image.getRGB(x, y);
				if (Math.abs(((pixel >> 16) & 0xff) - red) <= 24 && Math.abs(((pixel >> 8) & 0xff) - green) <= 24
						&& Math.abs((pixel & 0xff) - blue) <= 24) {
					count++;
				}
			}
		}
		return count;
	}

	private static double number(Map<String, Object> box, String key) {
		return ((Number) box.get(key)).doubleValue();
	}

	/**
	 * Ends the demo stream's first connection after 20 events, so that the page has a
	 * reconnect to show: singletons are created before the stream connects, when the
	 * context starts (a bean, not a post-processor, so that it runs in AOT mode too).
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class FirstConnectionEnds {

		@Bean
		Plan firstDemoConnection(LocalDemo demo) {
			Plan plan = Plan.drop(20, End.CLEAN);
			demo.eventServer().plan(plan);
			return plan;
		}

	}

}
