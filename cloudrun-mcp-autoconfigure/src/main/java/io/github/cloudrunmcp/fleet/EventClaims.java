package io.github.cloudrunmcp.fleet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.api.core.ApiFuture;
import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.cloud.Timestamp;
import com.google.cloud.firestore.CollectionReference;
import com.google.cloud.firestore.DocumentReference;
import com.google.cloud.firestore.DocumentSnapshot;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.Precondition;
import com.google.cloud.firestore.WriteResult;

/**
 * Claims on events, one Firestore document per server and event ID, through which the
 * instances of a fleet agree that an event's listeners run once.
 *
 * <p>
 * An instance claims an event before its listeners run, marks it handled when they
 * succeeded and withdraws the claim when they failed (so that the redelivered message
 * runs them again). A copy of a handled event is a duplicate. A copy of an event claimed
 * but not yet handled waits (held, and the claim looked at again) unless the claim is
 * older than the claim timeout, which means the instance that made it died while its
 * listeners ran: then this instance takes the claim over, and those listeners may run a
 * second time.
 *
 * <p>
 * Each document carries {@code expireAt}, the claim time plus the deduplication window: a
 * Firestore TTL policy on that field deletes it afterwards, and a copy that arrives later
 * than that is no longer recognised.
 */
public final class EventClaims {

	static final String STATE = "state";

	static final String CLAIMED = "claimed";

	static final String HANDLED = "handled";

	private final CollectionReference collection;

	private final String instance;

	private final Duration claimTimeout;

	private final Duration window;

	private final Duration requestTimeout;

	/**
	 * Create the claims.
	 * @param firestore the Firestore client
	 * @param collection the collection of claim documents
	 * @param instance this instance's ID
	 * @param claimTimeout how long a claim that was not marked handled holds
	 * @param window how long a handled event is remembered
	 */
	public EventClaims(Firestore firestore, String collection, String instance, Duration claimTimeout,
			Duration window) {
		this.collection = firestore.collection(collection);
		this.instance = instance;
		this.claimTimeout = claimTimeout;
		this.window = window;
		this.requestTimeout = Duration.ofSeconds(10);
	}

	/**
	 * Return this instance's ID.
	 * @return the ID
	 */
	public String instance() {
		return this.instance;
	}

	/**
	 * Return how long a claim that was not marked handled holds.
	 * @return the claim timeout
	 */
	public Duration claimTimeout() {
		return this.claimTimeout;
	}

	/**
	 * Claim an event for this instance.
	 * @param server the server's name
	 * @param id the event ID
	 * @return the outcome
	 * @throws FleetStoreException if Firestore cannot be reached
	 */
	public Claim claim(String server, String id) {
		DocumentReference document = document(server, id);
		long now = System.currentTimeMillis();
		Map<String, Object> claim = new HashMap<>();
		claim.put("server", server);
		claim.put("id", id);
		claim.put("instance", this.instance);
		claim.put(STATE, CLAIMED);
		claim.put("claimedAt", now);
		claim.put("expireAt", Timestamp.ofTimeMicroseconds((now + this.window.toMillis()) * 1000));
		try {
			await(document.create(claim), "claim event");
			return Claim.CLAIMED;
		}
		catch (AlreadyExistsException ex) {
			// Someone claimed it first: see whether it was handled.
		}
		DocumentSnapshot current = await(document.get(), "read the claim of event");
		if (!current.exists()) {
			return claim(server, id);
		}
		if (HANDLED.equals(current.getString(STATE))) {
			return Claim.DUPLICATE;
		}
		Long claimedAt = current.getLong("claimedAt");
		if (claimedAt != null && claimedAt + this.claimTimeout.toMillis() > now) {
			return Claim.BUSY;
		}
		try {
			// Only if nobody else took it over since it was read.
			await(document.update(claim, Precondition.updatedAt(current.getUpdateTime())), "take over event");
			return Claim.CLAIMED;
		}
		catch (FleetStoreException ex) {
			return Claim.BUSY;
		}
	}

	/**
	 * Mark a claimed event handled.
	 * @param server the server's name
	 * @param id the event ID
	 * @return the write, done when Firestore confirmed it
	 */
	public ApiFuture<WriteResult> handled(String server, String id) {
		return document(server, id).update(STATE, HANDLED);
	}

	/**
	 * Withdraw a claim, so that the event's next delivery runs its listeners.
	 * @param server the server's name
	 * @param id the event ID
	 * @return the delete, done when Firestore confirmed it
	 */
	public ApiFuture<WriteResult> withdraw(String server, String id) {
		return document(server, id).delete(Precondition.NONE);
	}

	private DocumentReference document(String server, String id) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest((server + '\n' + id).getBytes(StandardCharsets.UTF_8));
			return this.collection.document(HexFormat.of().formatHex(digest));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private <T> T await(ApiFuture<T> future, String what) {
		try {
			return future.get(this.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FleetStoreException("Interrupted while trying to " + what, ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof AlreadyExistsException exists) {
				throw exists;
			}
			throw new FleetStoreException(
					"Could not " + what + " in Firestore collection " + this.collection.getPath()
							+ "; check that the database exists and that the service account has roles/datastore.user.",
					(ex.getCause() != null) ? ex.getCause() : ex);
		}
		catch (TimeoutException ex) {
			throw new FleetStoreException("Firestore did not answer within " + this.requestTimeout.toSeconds()
					+ " s while trying to " + what + "; check that it is reachable.", ex);
		}
	}

	/**
	 * What claiming an event found.
	 */
	public enum Claim {

		/** This instance claimed the event: run its listeners. */
		CLAIMED,

		/** The event was handled already: drop this copy. */
		DUPLICATE,

		/**
		 * Another instance is handling the event: hold this copy and look again later.
		 */
		BUSY

	}

}
