package io.github.cloudrunmcp.server;

import java.util.Locale;

/**
 * The revision of the Model Context Protocol the application speaks with a server, or
 * {@link #AUTO} to negotiate it.
 */
public enum McpRevision {

	/**
	 * 2025-11-25: {@code initialize}, sessions ({@code Mcp-Session-Id}) and a GET stream
	 * for the server's notifications.
	 */
	V2025_11_25("2025-11-25"),

	/**
	 * 2026-07-28, stateless: {@code server/discover}, {@code _meta} on every request and
	 * {@code subscriptions/listen} for the server's notifications.
	 */
	V2026_07_28("2026-07-28"),

	/**
	 * Not a revision but the setting that negotiates one: 2026-07-28 when the server
	 * answers {@code server/discover} with it, else the 2025-11-25 handshake. A
	 * negotiated revision is never {@code AUTO}.
	 */
	AUTO("auto");

	private final String version;

	McpRevision(String version) {
		this.version = version;
	}

	/**
	 * Return the revision's version string, as the protocol writes it ({@code auto} for
	 * {@link #AUTO}, as the property writes it).
	 * @return the version, such as {@code 2026-07-28}
	 */
	public String version() {
		return this.version;
	}

	/**
	 * Return the revision a version string (or {@code auto}) names.
	 * @param version the version, such as {@code 2026-07-28}
	 * @return the revision
	 * @throws IllegalArgumentException if no supported revision has that version
	 */
	public static McpRevision of(String version) {
		String trimmed = version.trim().toLowerCase(Locale.ROOT);
		for (McpRevision revision : values()) {
			if (revision.version.equals(trimmed)) {
				return revision;
			}
		}
		throw new IllegalArgumentException(
				"Unsupported MCP revision '" + version + "': use auto, 2025-11-25 or 2026-07-28");
	}

	@Override
	public String toString() {
		return this.version;
	}

}
