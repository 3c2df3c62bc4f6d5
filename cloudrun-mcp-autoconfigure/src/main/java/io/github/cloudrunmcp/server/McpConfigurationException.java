package io.github.cloudrunmcp.server;

/**
 * Thrown at start-up when a {@code cloudrun.mcp.*} setting is missing or invalid. The
 * message names the property and its value; {@link #getAction()} says what to change.
 */
public class McpConfigurationException extends RuntimeException {

	private final String property;

	private final String action;

	/**
	 * Create an exception.
	 * @param property the property at fault, such as {@code cloudrun.mcp.base-url}
	 * @param description what is wrong, naming the property and its value
	 * @param action what to change
	 */
	public McpConfigurationException(String property, String description, String action) {
		super(description + " " + action);
		this.property = property;
		this.action = action;
	}

	/**
	 * Return the property at fault.
	 * @return the property name
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * Return what to change.
	 * @return the action
	 */
	public String getAction() {
		return this.action;
	}

	/**
	 * Return what is wrong, without the action.
	 * @return the description
	 */
	public String getDescription() {
		String message = getMessage();
		return (message != null) ? message.substring(0, message.length() - this.action.length() - 1) : "";
	}

}
