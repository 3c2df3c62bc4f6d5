package io.github.cloudrunmcp.fleet;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import com.google.api.core.ApiFuture;
import com.google.api.gax.rpc.AbortedException;
import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.FailedPreconditionException;
import com.google.cloud.firestore.DocumentReference;
import com.google.cloud.firestore.DocumentSnapshot;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.Precondition;
import org.jspecify.annotations.Nullable;

/**
 * The lease on one server's stream, a Firestore document: whoever holds it unexpired
 * holds the stream, and the document carries the resume position (the last event ID
 * published) from one holder to the next.
 *
 * <p>
 * The document's {@code expiresAt} is written from the holder's clock, {@code duration}
 * after the request started; the holder itself considers the lease valid only for three
 * quarters of that, so that it stops publishing (fencing) a quarter of the duration
 * before another instance may take over. Instances' clocks must agree within that
 * quarter, which NTP-synchronised hosts such as Cloud Run's do.
 */
public final class StreamLease {

	static final String HOLDER = "holder";

	static final String EPOCH = "epoch";

	static final String EXPIRES_AT = "expiresAt";

	static final String LAST_EVENT_ID = "lastEventId";

	private final DocumentReference document;

	private final String instance;

	private final Duration duration;

	private final Duration requestTimeout;

	private final LongSupplier wallClock;

	private volatile long validUntilNanos = System.nanoTime();

	private volatile boolean held;

	private long epoch;

	/**
	 * Create the lease of a server.
	 * @param firestore the Firestore client
	 * @param collection the collection of lease documents
	 * @param server the server's name, the document's ID
	 * @param instance this instance's ID
	 * @param duration how long a lease lasts unless renewed
	 */
	public StreamLease(Firestore firestore, String collection, String server, String instance, Duration duration) {
		this.document = firestore.collection(collection).document(server);
		this.instance = instance;
		this.duration = duration;
		this.requestTimeout = duration.dividedBy(2);
		this.wallClock = System::currentTimeMillis;
	}

	/**
	 * Take the lease if nobody holds it unexpired.
	 * @return the event ID to resume from (empty for the stream's start), or {@code null}
	 * when another instance holds the lease
	 * @throws FleetStoreException if Firestore cannot be reached
	 */
	public @Nullable String acquire() {
		long started = System.nanoTime();
		DocumentSnapshot current = await(this.document.get(), "read the lease");
		long now = this.wallClock.getAsLong();
		if (current.exists() && !this.instance.equals(current.getString(HOLDER))) {
			Long expiresAt = current.getLong(EXPIRES_AT);
			if (expiresAt != null && expiresAt > now) {
				return null;
			}
		}
		Long previousEpoch = current.exists() ? current.getLong(EPOCH) : null;
		String stored = current.exists() ? current.getString(LAST_EVENT_ID) : null;
		String lastEventId = (stored != null) ? stored : "";
		long epoch = ((previousEpoch != null) ? previousEpoch : 0) + 1;
		Map<String, Object> lease = new HashMap<>();
		lease.put(HOLDER, this.instance);
		lease.put(EPOCH, epoch);
		lease.put(EXPIRES_AT, now + this.duration.toMillis());
		lease.put(LAST_EVENT_ID, lastEventId);
		if (!write(current, lease, "take the lease")) {
			return null;
		}
		this.epoch = epoch;
		this.validUntilNanos = started + this.duration.toNanos() * 3 / 4;
		this.held = true;
		return lastEventId;
	}

	/**
	 * Extend the lease and record the resume position.
	 * @param lastEventId the last event ID published and confirmed
	 * @return whether the lease is still this instance's
	 * @throws FleetStoreException if Firestore cannot be reached (the lease stays valid
	 * until it runs out)
	 */
	public boolean renew(String lastEventId) {
		long started = System.nanoTime();
		DocumentSnapshot current = await(this.document.get(), "read the lease");
		if (mine(current) && write(current,
				Map.of(EXPIRES_AT, this.wallClock.getAsLong() + this.duration.toMillis(), LAST_EVENT_ID, lastEventId),
				"renew the lease")) {
			this.validUntilNanos = started + this.duration.toNanos() * 3 / 4;
			return true;
		}
		this.held = false;
		return false;
	}

	/**
	 * Give the lease up with the resume position, so that another instance takes over at
	 * once rather than when it runs out.
	 * @param lastEventId the last event ID published and confirmed
	 * @throws FleetStoreException if Firestore cannot be reached (the lease then runs
	 * out)
	 */
	public void release(String lastEventId) {
		this.held = false;
		this.validUntilNanos = System.nanoTime();
		DocumentSnapshot current = await(this.document.get(), "read the lease");
		if (mine(current)) {
			write(current, Map.of(HOLDER, "", EXPIRES_AT, 0L, LAST_EVENT_ID, lastEventId), "release the lease");
		}
	}

	/**
	 * Write the lease if nobody wrote it since it was read: a compare-and-set on the
	 * document's update time, which holds no lock (an abandoned transaction would).
	 * @return whether the write won
	 */
	private boolean write(DocumentSnapshot read, Map<String, Object> fields, String what) {
		try {
			if (!read.exists()) {
				await(this.document.create(fields), what);
			}
			else {
				await(this.document.update(fields, Precondition.updatedAt(read.getUpdateTime())), what);
			}
			return true;
		}
		catch (FleetStoreException ex) {
			if (ex.getCause() instanceof AlreadyExistsException || ex.getCause() instanceof FailedPreconditionException
					|| ex.getCause() instanceof AbortedException) {
				return false;
			}
			throw ex;
		}
	}

	/**
	 * Return whether this instance may act as the holder now: it took or renewed the
	 * lease less than three quarters of its duration ago.
	 * @return whether the lease is valid
	 */
	public boolean isValid() {
		return this.held && System.nanoTime() - this.validUntilNanos < 0;
	}

	/**
	 * Return how long a lease lasts unless renewed.
	 * @return the duration
	 */
	public Duration duration() {
		return this.duration;
	}

	private boolean mine(DocumentSnapshot current) {
		Long epoch = current.getLong(EPOCH);
		return current.exists() && this.instance.equals(current.getString(HOLDER)) && epoch != null
				&& epoch == this.epoch;
	}

	private <T> T await(ApiFuture<T> future, String what) {
		try {
			return future.get(this.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FleetStoreException("Interrupted while trying to " + what + " " + this.document.getPath(), ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			throw new FleetStoreException("Could not " + what + " " + this.document.getPath() + " in Firestore ("
					+ cause + "); check that the database exists and that the service account has "
					+ "roles/datastore.user.", cause);
		}
	}

}
