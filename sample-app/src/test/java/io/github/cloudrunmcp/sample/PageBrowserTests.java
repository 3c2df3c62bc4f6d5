package io.github.cloudrunmcp.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Loads the page in headless Chromium (Debian's chromium and chromium-driver, which
 * .ci/run installs) and checks that it shows live events and the stream status.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.demo.interval-millis=500")
class PageBrowserTests {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	@LocalServerPort
	private int port;

	private ChromeDriver driver;

	@BeforeEach
	void startBrowser() {
		assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
				"Chromium is not installed (apt-get install chromium chromium-driver); .ci/run installs it");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--window-size=1280,900");
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
	void pageShowsLiveEventsAndTheStreamStatus() throws Exception {
		this.driver.get("http://localhost:" + this.port + "/");
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> Integer.parseInt(this.driver.findElement(By.id("count")).getText()) >= 12);
		assertThat(this.driver.findElement(By.id("status")).getText()).isEqualTo("OPEN");
		assertThat(this.driver.findElements(By.cssSelector("#events tr[data-type='model.response']"))).isNotEmpty();
		assertThat(this.driver.findElement(By.id("types")).getText()).contains("context.create")
			.contains("agent.reply");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.driver.findElement(By.id("answer")).getText().contains("42"));
		Path screenshot = Path.of("target", "page.png");
		Files.createDirectories(screenshot.getParent());
		Files.write(screenshot, this.driver.getScreenshotAs(OutputType.BYTES));
	}

}
