package io.github.cloudrunmcp.observation;

import java.net.URI;
import java.util.Objects;

import io.github.cloudrunmcp.stream.McpStreamStatus;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an observation of one connection of an event stream knows: the server, whether the
 * connection opened, and the state it ended in.
 */
public final class McpStreamConnectionObservationContext extends Observation.Context {

	private final String server;

	private final URI url;

	private volatile boolean opened;

	private volatile McpStreamStatus.@Nullable State end;

	/**
	 * Create a context.
	 * @param server the server's name
	 * @param url the stream's URL
	 */
	public McpStreamConnectionObservationContext(String server, URI url) {
		this.server = Objects.requireNonNull(server, "server");
		this.url = Objects.requireNonNull(url, "url");
	}

	/**
	 * Return the server's name.
	 * @return the name
	 */
	public String getServer() {
		return this.server;
	}

	/**
	 * Return the stream's URL.
	 * @return the URL
	 */
	public URI getUrl() {
		return this.url;
	}

	/**
	 * Return whether the connection opened (the server answered with an event stream).
	 * @return whether it opened
	 */
	public boolean isOpened() {
		return this.opened;
	}

	/**
	 * Note that the connection opened.
	 */
	public void setOpened() {
		this.opened = true;
	}

	/**
	 * Return the state the stream was in when the connection ended.
	 * @return the state ({@code RECONNECTING}, {@code CLOSED} or {@code FAILED}), or
	 * {@code null} while the connection lasts
	 */
	public McpStreamStatus.@Nullable State getEnd() {
		return this.end;
	}

	/**
	 * Note the state the stream was in when the connection ended.
	 * @param end the state
	 */
	public void setEnd(McpStreamStatus.State end) {
		this.end = Objects.requireNonNull(end, "end");
	}

}
