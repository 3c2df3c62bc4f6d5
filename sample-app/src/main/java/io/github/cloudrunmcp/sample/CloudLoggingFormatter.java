package io.github.cloudrunmcp.sample;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;

import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.StructuredLogFormatter;

/**
 * Structured logging in the JSON shape that Cloud Logging reads from a container's
 * output: {@code severity}, {@code message}, {@code time}, and the logger and thread as
 * labels. Enabled by the {@code cloud} profile.
 */
public class CloudLoggingFormatter implements StructuredLogFormatter<ILoggingEvent> {

	private final JsonWriter<ILoggingEvent> writer = JsonWriter.<ILoggingEvent>of((members) -> {
		members.add("severity", (event) -> severity(event.getLevel()));
		members.add("message", CloudLoggingFormatter::message);
		members.add("time", (event) -> event.getInstant().toString());
		members.add("logging.googleapis.com/labels",
				(event) -> java.util.Map.of("logger", event.getLoggerName(), "thread", event.getThreadName()));
	}).withNewLineAtEnd();

	@Override
	public String format(ILoggingEvent event) {
		return this.writer.writeToString(event);
	}

	private static String message(ILoggingEvent event) {
		String message = event.getFormattedMessage();
		return (event.getThrowableProxy() != null)
				? message + "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy()) : message;
	}

	private static String severity(Level level) {
		return switch (level.toInt()) {
			case Level.ERROR_INT -> "ERROR";
			case Level.WARN_INT -> "WARNING";
			case Level.INFO_INT -> "INFO";
			default -> "DEBUG";
		};
	}

}
