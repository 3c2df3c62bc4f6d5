/**
 * Delivery of a server's events to one instance of a fleet: a lease in Firestore elects
 * the instance that holds the server's stream, that instance publishes the events to
 * Google Cloud Pub/Sub, and every instance consumes them from one shared subscription,
 * dropping duplicates by event ID before its listeners run.
 */
@NullMarked
package io.github.cloudrunmcp.fleet;

import org.jspecify.annotations.NullMarked;
