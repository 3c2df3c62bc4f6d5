package io.github.cloudrunmcp.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the fleet that delivers the events of servers set to
 * {@code delivery: once}: Pub/Sub carries the events, Firestore holds the leases and the
 * event claims.
 */
@ConfigurationProperties("cloudrun.mcp.fleet")
public class McpFleetProperties {

	/**
	 * Google Cloud project of the topic, the subscription and the Firestore database.
	 * Defaults to the project the application runs in.
	 */
	private @Nullable String projectId;

	/**
	 * Pub/Sub topic the holder of a stream publishes its events to.
	 */
	private String topic = "cloudrun-mcp-events";

	/**
	 * Pub/Sub subscription on the topic that every instance consumes, with message
	 * ordering enabled.
	 */
	private String subscription = "cloudrun-mcp-events";

	/**
	 * Whether to create the topic, the dead-letter topic and the subscription when they
	 * do not exist: for development and the emulator.
	 */
	private boolean createResources;

	/**
	 * Dead-letter topic of the subscription, when create-resources creates it.
	 */
	private @Nullable String deadLetterTopic;

	/**
	 * Deliveries of a message whose listeners keep failing before it goes to the
	 * dead-letter topic, when create-resources creates the subscription.
	 */
	private int maxDeliveryAttempts = 5;

	/**
	 * Whether the subscription that create-resources creates delivers each server's
	 * events in order.
	 */
	private boolean messageOrdering = true;

	/**
	 * Firestore database of the leases and the event claims.
	 */
	private String firestoreDatabase = "(default)";

	/**
	 * Firestore collection of the leases, one document per server.
	 */
	private String leaseCollection = "cloudrun-mcp-leases";

	/**
	 * Firestore collection of the event claims, one document per event.
	 */
	private String claimCollection = "cloudrun-mcp-event-claims";

	/**
	 * How long a lease lasts unless renewed; it is renewed every quarter of this, and the
	 * next holder takes over this long after a holder died.
	 */
	private Duration leaseDuration = Duration.ofSeconds(10);

	/**
	 * How long an instance's claim on an event it has not finished holds before another
	 * instance runs the event's listeners: longer than the slowest listener.
	 */
	private Duration claimTimeout = Duration.ofMinutes(2);

	/**
	 * How long a handled event's ID is remembered to drop copies (the expireAt field of
	 * the claims, for a Firestore TTL policy).
	 */
	private Duration dedupWindow = Duration.ofHours(24);

	/**
	 * Messages an instance holds unacknowledged at most.
	 */
	private int maxOutstanding = 1000;

	/**
	 * Longest ack deadline the subscriber asks for at a time while it holds a message (it
	 * extends the deadline again before it passes): the messages held by an instance that
	 * crashed go back to the subscription within this. From 10 s to 600 s.
	 */
	private Duration ackDeadline = Duration.ofSeconds(20);

	/**
	 * How long the subscriber holds a message at most, extending its deadline: longer
	 * than claim-timeout, since a copy of an event another instance is handling is held
	 * until that claim is released or times out.
	 */
	private Duration maxAckExtension = Duration.ofMinutes(10);

	/**
	 * Shortest delay before a message handed back is delivered again (the subscription's
	 * retry policy, set where create-resources creates it).
	 */
	private Duration retryMinBackoff = Duration.ofSeconds(1);

	/**
	 * Longest delay before a message handed back is delivered again (the subscription's
	 * retry policy, set where create-resources creates it).
	 */
	private Duration retryMaxBackoff = Duration.ofSeconds(60);

	/**
	 * ID of this instance in the leases and claims. Defaults to the Cloud Run revision
	 * with a random suffix.
	 */
	private @Nullable String instanceId;

	/**
	 * Host and port of a Pub/Sub emulator to use instead of the service; instances then
	 * consume with unary pulls, since the emulator does not see a streaming pull end.
	 */
	private @Nullable String pubsubEmulatorHost;

	/**
	 * Host and port of a Firestore emulator to use instead of the service.
	 */
	private @Nullable String firestoreEmulatorHost;

	public @Nullable String getProjectId() {
		return this.projectId;
	}

	public void setProjectId(@Nullable String projectId) {
		this.projectId = projectId;
	}

	public String getTopic() {
		return this.topic;
	}

	public void setTopic(String topic) {
		this.topic = topic;
	}

	public String getSubscription() {
		return this.subscription;
	}

	public void setSubscription(String subscription) {
		this.subscription = subscription;
	}

	public boolean isCreateResources() {
		return this.createResources;
	}

	public void setCreateResources(boolean createResources) {
		this.createResources = createResources;
	}

	public @Nullable String getDeadLetterTopic() {
		return this.deadLetterTopic;
	}

	public void setDeadLetterTopic(@Nullable String deadLetterTopic) {
		this.deadLetterTopic = deadLetterTopic;
	}

	public int getMaxDeliveryAttempts() {
		return this.maxDeliveryAttempts;
	}

	public void setMaxDeliveryAttempts(int maxDeliveryAttempts) {
		this.maxDeliveryAttempts = maxDeliveryAttempts;
	}

	public boolean isMessageOrdering() {
		return this.messageOrdering;
	}

	public void setMessageOrdering(boolean messageOrdering) {
		this.messageOrdering = messageOrdering;
	}

	public String getFirestoreDatabase() {
		return this.firestoreDatabase;
	}

	public void setFirestoreDatabase(String firestoreDatabase) {
		this.firestoreDatabase = firestoreDatabase;
	}

	public String getLeaseCollection() {
		return this.leaseCollection;
	}

	public void setLeaseCollection(String leaseCollection) {
		this.leaseCollection = leaseCollection;
	}

	public String getClaimCollection() {
		return this.claimCollection;
	}

	public void setClaimCollection(String claimCollection) {
		this.claimCollection = claimCollection;
	}

	public Duration getLeaseDuration() {
		return this.leaseDuration;
	}

	public void setLeaseDuration(Duration leaseDuration) {
		this.leaseDuration = leaseDuration;
	}

	public Duration getClaimTimeout() {
		return this.claimTimeout;
	}

	public void setClaimTimeout(Duration claimTimeout) {
		this.claimTimeout = claimTimeout;
	}

	public Duration getDedupWindow() {
		return this.dedupWindow;
	}

	public void setDedupWindow(Duration dedupWindow) {
		this.dedupWindow = dedupWindow;
	}

	public Duration getAckDeadline() {
		return this.ackDeadline;
	}

	public void setAckDeadline(Duration ackDeadline) {
		this.ackDeadline = ackDeadline;
	}

	public Duration getMaxAckExtension() {
		return this.maxAckExtension;
	}

	public void setMaxAckExtension(Duration maxAckExtension) {
		this.maxAckExtension = maxAckExtension;
	}

	public Duration getRetryMinBackoff() {
		return this.retryMinBackoff;
	}

	public void setRetryMinBackoff(Duration retryMinBackoff) {
		this.retryMinBackoff = retryMinBackoff;
	}

	public Duration getRetryMaxBackoff() {
		return this.retryMaxBackoff;
	}

	public void setRetryMaxBackoff(Duration retryMaxBackoff) {
		this.retryMaxBackoff = retryMaxBackoff;
	}

	public int getMaxOutstanding() {
		return this.maxOutstanding;
	}

	public void setMaxOutstanding(int maxOutstanding) {
		this.maxOutstanding = maxOutstanding;
	}

	public @Nullable String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(@Nullable String instanceId) {
		this.instanceId = instanceId;
	}

	public @Nullable String getPubsubEmulatorHost() {
		return this.pubsubEmulatorHost;
	}

	public void setPubsubEmulatorHost(@Nullable String pubsubEmulatorHost) {
		this.pubsubEmulatorHost = pubsubEmulatorHost;
	}

	public @Nullable String getFirestoreEmulatorHost() {
		return this.firestoreEmulatorHost;
	}

	public void setFirestoreEmulatorHost(@Nullable String firestoreEmulatorHost) {
		this.firestoreEmulatorHost = firestoreEmulatorHost;
	}

}
