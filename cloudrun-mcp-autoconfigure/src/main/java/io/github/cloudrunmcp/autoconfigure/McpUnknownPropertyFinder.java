package io.github.cloudrunmcp.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.core.ResolvableType;

/**
 * Finds the {@code cloudrun.mcp.*} properties that bind to nothing, such as a misspelled
 * {@code cloudrun.mcp.base-urll}, each with the nearest valid name.
 *
 * <p>
 * A property is known when binding the library's properties classes used it, so every
 * relaxed form that Spring Boot binds ({@code CLOUDRUN_MCP_BASE_URL},
 * {@code cloudrun.mcp.baseUrl}) is known too; the valid names offered as suggestions come
 * from the same classes, with the server's own name under {@code servers.<name>}.
 */
final class McpUnknownPropertyFinder {

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("cloudrun.mcp");

	/** Read by the test support (EverythingServer), not bound by the library. */
	private static final Set<String> READ_ELSEWHERE = Set.of(canonical("cloudrun.mcp.everything.dir"));

	private static final String ANY_KEY = "*";

	private final Map<String, Class<?>> targets;

	/**
	 * Create a finder.
	 * @param targets the properties classes by their prefix, all under
	 * {@code cloudrun.mcp}
	 */
	McpUnknownPropertyFinder(Map<String, Class<?>> targets) {
		this.targets = new LinkedHashMap<>(targets);
	}

	/**
	 * Return the properties under {@code cloudrun.mcp} that bind to nothing.
	 * @param sources the configuration property sources of the environment
	 * @return the unknown properties, in the order of their sources
	 */
	List<UnknownProperty> find(Iterable<ConfigurationPropertySource> sources) {
		Set<String> bound = new HashSet<>();
		Binder binder = new Binder(sources);
		RecordingBindHandler recorder = new RecordingBindHandler(bound);
		try {
			this.targets.forEach((prefix, type) -> binder.bind(prefix, Bindable.of(type), recorder));
		}
		catch (BindException ex) {
			// A value that does not convert: binding the properties bean fails start-up
			// with a better message than a partial list of unknown names would give.
			return List.of();
		}
		List<String> valid = validNames();
		Map<String, UnknownProperty> unknown = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : sources) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			iterable.filter(ROOT::isAncestorOf).forEach((name) -> {
				String canonical = canonical(name.toString());
				if (bound.contains(canonical) || READ_ELSEWHERE.contains(canonical) || unknown.containsKey(canonical)) {
					return;
				}
				ConfigurationProperty property = iterable.getConfigurationProperty(name);
				Origin origin = (property != null) ? property.getOrigin() : null;
				unknown.put(canonical, new UnknownProperty(name.toString(), (origin != null) ? origin.toString() : null,
						nearest(name, valid)));
			});
		}
		return List.copyOf(unknown.values());
	}

	private List<String> validNames() {
		List<String> names = new ArrayList<>();
		this.targets.forEach((prefix, type) -> collect(prefix, ResolvableType.forClass(type), names, new HashSet<>()));
		return names;
	}

	private static void collect(String prefix, ResolvableType type, List<String> names, Set<Class<?>> visiting) {
		Class<?> resolved = type.resolve(Object.class);
		if (!visiting.add(resolved)) {
			return;
		}
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(resolved)) {
			if (descriptor.getReadMethod() == null || "class".equals(descriptor.getName())) {
				continue;
			}
			String name = prefix + "." + DataObjectPropertyName.toDashedForm(descriptor.getName());
			ResolvableType propertyType = ResolvableType.forMethodReturnType(descriptor.getReadMethod(), resolved);
			if (Map.class.isAssignableFrom(propertyType.resolve(Object.class))) {
				ResolvableType value = propertyType.asMap().getGeneric(1);
				if (isNested(value.resolve(Object.class))) {
					collect(name + "." + ANY_KEY, value, names, visiting);
				}
				else {
					names.add(name + "." + ANY_KEY);
				}
			}
			else if (isNested(propertyType.resolve(Object.class))) {
				collect(name, propertyType, names, visiting);
			}
			else {
				names.add(name);
			}
		}
		visiting.remove(resolved);
	}

	/**
	 * Whether a property's type holds more properties: the library's own settings classes
	 * (not its enums).
	 */
	private static boolean isNested(Class<?> type) {
		return !type.isEnum() && type.getName().startsWith("io.github.cloudrunmcp.")
				&& type.getDeclaringClass() != null;
	}

	private static @Nullable String nearest(ConfigurationPropertyName name, List<String> valid) {
		String unknown = canonical(name.toString());
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String candidate : valid) {
			String concrete = withKeys(candidate, name);
			if (concrete == null) {
				continue;
			}
			int distance = distance(unknown, canonical(concrete));
			if (distance < bestDistance) {
				best = concrete;
				bestDistance = distance;
			}
		}
		// Beyond a few edits the nearest name is a guess that misleads more than it
		// helps.
		return (best != null && bestDistance <= Math.max(3, unknown.length() / 8)) ? best : null;
	}

	/**
	 * Put the unknown name's own elements where the candidate takes any key
	 * ({@code servers.*.base-url} for {@code servers.search.base-urll}).
	 */
	private static @Nullable String withKeys(String candidate, ConfigurationPropertyName name) {
		String[] elements = candidate.split("\\.");
		StringBuilder concrete = new StringBuilder();
		for (int i = 0; i < elements.length; i++) {
			String element = elements[i];
			if (ANY_KEY.equals(element)) {
				if (i >= name.getNumberOfElements()) {
					return null;
				}
				element = name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL);
			}
			if (i > 0) {
				concrete.append('.');
			}
			concrete.append(element);
		}
		return concrete.toString();
	}

	/**
	 * Reduce a name to what relaxed binding tells apart: letters and digits, lower case
	 * ({@code CLOUDRUN_MCP_BASE_URL} maps to {@code cloudrun.mcp.base.url}, which binds
	 * {@code base-url}).
	 */
	private static String canonical(String name) {
		StringBuilder canonical = new StringBuilder(name.length());
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (Character.isLetterOrDigit(c)) {
				canonical.append(Character.toLowerCase(c));
			}
		}
		return canonical.toString();
	}

	/**
	 * Levenshtein distance.
	 */
	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	/**
	 * A property that binds to nothing.
	 *
	 * @param name its name, in Spring Boot's canonical form
	 * @param origin where it was set, or {@code null} if not known
	 * @param suggestion the nearest valid name, or {@code null} if none is near
	 */
	record UnknownProperty(String name, @Nullable String origin, @Nullable String suggestion) {

		String describe() {
			return this.name + ((this.origin != null) ? " (from " + this.origin + ")" : "") + ((this.suggestion != null)
					? ": did you mean " + this.suggestion + "?" : ": no similar property.");
		}

	}

	/**
	 * Records the canonical name of every property that binding used.
	 */
	private static final class RecordingBindHandler extends AbstractBindHandler {

		private final Set<String> bound;

		RecordingBindHandler(Set<String> bound) {
			this.bound = bound;
		}

		@Override
		public @Nullable Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
				Object result) {
			ConfigurationProperty property = context.getConfigurationProperty();
			if (property != null) {
				this.bound.add(canonical(property.getName().toString()));
			}
			return super.onSuccess(name, target, context, result);
		}

	}

}
