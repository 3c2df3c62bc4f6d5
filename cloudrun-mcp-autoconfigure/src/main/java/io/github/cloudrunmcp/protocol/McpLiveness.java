package io.github.cloudrunmcp.protocol;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What the last liveness check of a server found.
 *
 * @param answered whether the server answered
 * @param checkedAt when the check ended
 * @param latency how long the server took to answer, or the check to fail
 * @param error why the server did not answer, when it did not
 * @param failures how many checks in a row found no answer
 * @param downSince when the current run of failed checks began, when the last one failed
 */
public record McpLiveness(boolean answered, Instant checkedAt, Duration latency, @Nullable String error, int failures,
		@Nullable Instant downSince) {

}
