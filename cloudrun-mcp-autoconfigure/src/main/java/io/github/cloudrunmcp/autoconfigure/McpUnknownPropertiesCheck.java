package io.github.cloudrunmcp.autoconfigure;

import java.util.List;
import java.util.stream.Collectors;

import io.github.cloudrunmcp.autoconfigure.McpUnknownPropertyFinder.UnknownProperty;
import io.github.cloudrunmcp.server.McpConfigurationException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;

/**
 * Warns at start-up of every {@code cloudrun.mcp.*} property that binds to nothing, with
 * the nearest valid name; with {@code cloudrun.mcp.strict} set, fails start-up instead. A
 * misspelled key otherwise leaves its default in place without a word.
 */
final class McpUnknownPropertiesCheck implements InitializingBean {

	private static final Log logger = LogFactory.getLog(McpUnknownPropertiesCheck.class);

	private final McpUnknownPropertyFinder finder;

	private final Iterable<ConfigurationPropertySource> sources;

	private final boolean strict;

	McpUnknownPropertiesCheck(McpUnknownPropertyFinder finder, Iterable<ConfigurationPropertySource> sources,
			boolean strict) {
		this.finder = finder;
		this.sources = sources;
		this.strict = strict;
	}

	@Override
	public void afterPropertiesSet() {
		List<UnknownProperty> unknown = this.finder.find(this.sources);
		if (unknown.isEmpty()) {
			return;
		}
		if (this.strict) {
			String names = unknown.stream().map(UnknownProperty::describe).collect(Collectors.joining("; "));
			throw new McpConfigurationException(unknown.get(0).name(),
					"unknown propert" + ((unknown.size() == 1) ? "y " : "ies ") + names,
					"Correct or remove each unknown cloudrun.mcp property (the valid ones are listed in the "
							+ "README), or set cloudrun.mcp.strict=false to start with a warning instead.");
		}
		for (UnknownProperty property : unknown) {
			logger.warn("Unknown property " + property.describe() + " It is ignored; set cloudrun.mcp.strict=true to "
					+ "fail start-up on unknown cloudrun.mcp properties.");
		}
	}

}
