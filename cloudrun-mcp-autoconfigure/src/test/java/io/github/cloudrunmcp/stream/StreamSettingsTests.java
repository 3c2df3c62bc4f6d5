package io.github.cloudrunmcp.stream;

import java.time.Duration;

import io.github.cloudrunmcp.stream.StreamSettings.Reconnect;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StreamSettingsTests {

	private static final Reconnect NO_JITTER = new Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.0,
			0);

	@Test
	void retryAfterSaturatesAtTheCeilingWhateverTheNumber() {
		assertThat(Reconnect.retryAfter("9223372036854775807")).isEqualTo(Reconnect.MAX_SERVER_DELAY);
		assertThat(Reconnect.retryAfter("99999999999999999999999999")).isEqualTo(Reconnect.MAX_SERVER_DELAY);
		assertThat(Reconnect.retryAfter("31536000")).isEqualTo(Reconnect.MAX_SERVER_DELAY);
		assertThat(Reconnect.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(Reconnect.MAX_SERVER_DELAY);
		assertThat(Reconnect.retryAfter("120")).isEqualTo(Duration.ofSeconds(120));
		assertThat(Reconnect.retryAfter("-5")).isNull();
		assertThat(Reconnect.retryAfter("soon")).isNull();
		// Found by HostileInputProperties: trim() removes control characters that
		// isBlank() keeps, which left nothing to parse.
		assertThat(Reconnect.retryAfter("\u0000")).isNull();
		assertThat(Reconnect.retryAfter(" \u0001\u001f ")).isNull();
	}

	@Test
	void delayCannotThrowWhateverTheServerSuggests() {
		Duration huge = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
		assertThat(NO_JITTER.delay(Integer.MAX_VALUE, huge, huge, true)).isEqualTo(Reconnect.MAX_SERVER_DELAY);
		assertThat(NO_JITTER.delay(1, huge, null, false)).isEqualTo(Reconnect.MAX_SERVER_DELAY);
		assertThat(NO_JITTER.delay(3, Duration.ofMillis(-5), Duration.ofMillis(-5), true))
			.isEqualTo(Duration.ofSeconds(4));
		Reconnect extreme = new Reconnect(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE),
				Double.MAX_VALUE, 1.0, 0);
		assertThat(extreme.delay(Integer.MAX_VALUE, huge, huge, true)).isPositive();
	}

	@Test
	void serverRetryIsHeldAtTheFloorAndCannotShortenTheBackoffOfFailures() {
		// After a healthy connection ended cleanly: the server's retry, at least 100 ms.
		assertThat(NO_JITTER.delay(1, Duration.ZERO, null, false)).isEqualTo(Reconnect.MIN_SERVER_DELAY);
		assertThat(NO_JITTER.delay(1, Duration.ofMillis(400), null, false)).isEqualTo(Duration.ofMillis(400));
		// After failures: the backoff from initial-delay, whatever retry: says.
		assertThat(NO_JITTER.delay(1, Duration.ZERO, null, true)).isEqualTo(Duration.ofSeconds(1));
		assertThat(NO_JITTER.delay(3, Duration.ZERO, null, true)).isEqualTo(Duration.ofSeconds(4));
		// A longer retry: lengthens them.
		assertThat(NO_JITTER.delay(1, Duration.ofSeconds(3), null, true)).isEqualTo(Duration.ofSeconds(3));
	}

}
