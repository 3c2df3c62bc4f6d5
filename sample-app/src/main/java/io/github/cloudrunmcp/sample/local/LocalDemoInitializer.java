package io.github.cloudrunmcp.sample.local;

import java.util.List;
import java.util.Map;

import com.google.auth.oauth2.GoogleCredentials;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.aot.AbstractAotProcessor;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * When no {@code cloudrun.mcp.base-url} is configured, activates the {@code local}
 * profile and starts a {@link LocalDemo}: the starter then talks to its event server with
 * ID tokens from its metadata server, through google-auth, exactly as on Cloud Run. In
 * the {@code cloud} profile it fails start-up instead, naming
 * {@code CLOUDRUN_MCP_BASE_URL}.
 */
public class LocalDemoInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	private static final Log logger = LogFactory.getLog(LocalDemoInitializer.class);

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		ConfigurableEnvironment environment = context.getEnvironment();
		if (environment.containsProperty("cloudrun.mcp.base-url")
				|| !environment.getProperty("cloudrun.mcp.enabled", Boolean.class, true)) {
			return;
		}
		if (environment.matchesProfiles("cloud")) {
			// The cloud profile is the deployed service's: demo events with demo tokens
			// there would hide a missing setting behind a service that looks healthy.
			throw new CloudProfileWithoutServerException();
		}
		if (Boolean.getBoolean(AbstractAotProcessor.AOT_PROCESSING)) {
			prepareForAotProcessing(context);
			return;
		}
		LocalDemo demo = LocalDemo.start(environment.getProperty("sample.demo.interval-millis", Long.class, 2500L));
		environment.addActiveProfile("local");
		environment.getPropertySources()
			.addFirst(new MapPropertySource("localDemo",
					Map.of("cloudrun.mcp.base-url", demo.baseUrl(), "cloudrun.mcp.auth.mode", "google")));
		exposeActuator(environment);
		if (!environment.containsProperty("logging.level.io.github.cloudrunmcp.sample")) {
			// The demo's events are harmless, so show their payloads, which the sample
			// logs at DEBUG only. Logging is set up before initializers run, hence the
			// call instead of a property.
			LoggingSystem.get(context.getClassLoader()).setLogLevel("io.github.cloudrunmcp.sample", LogLevel.DEBUG);
		}
		GenericApplicationContext registry = (GenericApplicationContext) context;
		registry.registerBean(LocalDemo.class, () -> demo, LocalDemoInitializer::leftToRuntime);
		registry.registerBean(GoogleCredentials.class, demo::credentials, LocalDemoInitializer::leftToRuntime);
		logger.info("No cloudrun.mcp.base-url set: running the local demo (profile 'local'), an MCP event server at "
				+ demo.baseUrl() + " that verifies ID tokens from a loopback metadata server at "
				+ demo.metadataHost());
	}

	/**
	 * AOT processing ({@code spring-boot:process-aot}, {@code process-test-aot}) sees the
	 * context as the demo makes it, so that the generated code has the local profile's
	 * beans and none of those the demo's beans replace, but starts no servers: their
	 * threads would keep the processing JVM alive. The demo's own beans are left out of
	 * the generated code; this initializer registers them again when the application
	 * runs.
	 */
	private static void prepareForAotProcessing(ConfigurableApplicationContext context) {
		ConfigurableEnvironment environment = context.getEnvironment();
		environment.addActiveProfile("local");
		environment.getPropertySources()
			.addFirst(new MapPropertySource("localDemo",
					Map.of("cloudrun.mcp.base-url", "http://127.0.0.1", "cloudrun.mcp.auth.mode", "google")));
		exposeActuator(environment);
		GenericApplicationContext registry = (GenericApplicationContext) context;
		for (Class<?> type : List.of(LocalDemo.class, GoogleCredentials.class)) {
			RootBeanDefinition definition = new RootBeanDefinition(type);
			leftToRuntime(definition);
			registry.registerBeanDefinition(type.getName(), definition);
		}
	}

	/**
	 * The demo's servers and tokens are its own, so the actuator's health details and mcp
	 * endpoint may show them (unless set otherwise); elsewhere, as on Cloud Run, they
	 * stay off the web unless configured.
	 */
	private static void exposeActuator(ConfigurableEnvironment environment) {
		environment.getPropertySources()
			.addLast(new MapPropertySource("localDemoActuator", Map.of("management.endpoints.web.exposure.include",
					"health,mcp", "management.endpoint.health.show-details", "always")));
	}

	private static void leftToRuntime(BeanDefinition definition) {
		definition.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
	}

}
