package io.github.cloudrunmcp.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.cloudrunmcp.sse.SseEventParser;
import io.github.cloudrunmcp.sse.SseEventTooLargeException;
import io.github.cloudrunmcp.text.PrintableText;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever a server sends, the code that reads it returns normally (or with its one
 * documented exception) and its output keeps its promises.
 */
class HostileInputProperties {

	@Property(tries = 300)
	void sseParserTakesAnyBytesInAnyChunks(@ForAll @Size(max = 2000) byte[] bytes,
			@ForAll @IntRange(min = 1, max = 64) int chunk) {
		SseEventParser parser = new SseEventParser(512, "", new CheckingListener());
		try {
			for (int i = 0; i < bytes.length; i += chunk) {
				parser.feed(bytes, i, Math.min(chunk, bytes.length - i));
			}
			parser.end();
		}
		catch (SseEventTooLargeException ex) {
			// The documented outcome of an event over the limit.
		}
	}

	@Property(tries = 300)
	void sseParserTakesAnySseShapedText(@ForAll @StringLength(max = 600) @Chars({ 'd', 'a', 't', ':', ' ', '\n', '\r',
			'i', 'e', 'v', 'n', 'r', 'y', '0', '9', '\u0000', 'é', '\uFEFF' }) String text,
			@ForAll @IntRange(min = 1, max = 16) int chunk) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		SseEventParser parser = new SseEventParser(1024 * 1024, "", new CheckingListener());
		for (int i = 0; i < bytes.length; i += chunk) {
			parser.feed(bytes, i, Math.min(chunk, bytes.length - i));
		}
		parser.end();
	}

	@Property(tries = 500)
	void typeSnifferTakesAnyText(@ForAll @StringLength(max = 500) @Chars({ '{', '}', '[', ']', '"', '\\', ':', ',', ' ',
			'e', 'v', 'n', 't', 'm', 'h', 'o', 'd', '1' }) String json) {
		String type = EventTypeSniffer.sniff(json);
		if (type != null) {
			assertThat(json).contains("\"" + type + "\"");
		}
	}

	@Property(tries = 300)
	void typeSnifferTakesAnyString(@ForAll String text) {
		EventTypeSniffer.sniff(text);
	}

	@Property(tries = 500)
	void sendableHeaderValuesArePrintableAscii(@ForAll String value) {
		if (HeaderValues.isSendable(value)) {
			assertThat(value).isNotEmpty().doesNotStartWith(" ").doesNotEndWith(" ");
			assertThat(value.chars()).allMatch((c) -> c >= 0x20 && c <= 0x7E);
		}
	}

	@Property(tries = 500)
	void retryAfterOfAnyTextIsAbsentOrWithinTheCeiling(@ForAll String value) {
		assertWithinCeiling(StreamSettings.Reconnect.retryAfter(value));
	}

	@Property(tries = 300)
	void retryAfterOfAnyNumberIsWithinTheCeiling(@ForAll @NumericChars @StringLength(min = 1, max = 40) String digits) {
		assertWithinCeiling(StreamSettings.Reconnect.retryAfter(digits));
	}

	@Property(tries = 300)
	void retryFieldOfAnyNumberGivesADelayWithinBounds(
			@ForAll @NumericChars @StringLength(min = 1, max = 40) String digits,
			@ForAll @IntRange(min = 1, max = 1000) int attempt) {
		byte[] bytes = ("retry: " + digits + "\n\n").getBytes(StandardCharsets.US_ASCII);
		long[] retry = { -1 };
		SseEventParser parser = new SseEventParser(1024, "", new SseEventParser.Listener() {

			@Override
			public void onEvent(@Nullable String id, String type, String data) {
			}

			@Override
			public void onRetry(long millis) {
				retry[0] = millis;
			}

		});
		parser.feed(bytes, 0, bytes.length);
		if (retry[0] >= 0) {
			StreamSettings.Reconnect reconnect = StreamSettings.Reconnect.defaults();
			Duration delay = reconnect.delay(attempt, Duration.ofMillis(retry[0]), null);
			// The server's value is held within the ceiling, then spread by the jitter.
			long most = Math.round(StreamSettings.Reconnect.MAX_SERVER_DELAY.toMillis() * (1 + reconnect.jitter()));
			assertThat(delay).isBetween(Duration.ZERO, Duration.ofMillis(most));
		}
	}

	@Property(tries = 500)
	void printableTextHasNoLineBreaksOrControls(@ForAll String text) {
		String printable = PrintableText.of(text);
		assertThat(printable.chars()).noneMatch((c) -> c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029);
	}

	private static void assertWithinCeiling(@Nullable Duration delay) {
		if (delay != null) {
			assertThat(delay).isBetween(Duration.ZERO, StreamSettings.Reconnect.MAX_SERVER_DELAY);
		}
	}

	/** Checks what the parser promises about every event it dispatches. */
	private static final class CheckingListener implements SseEventParser.Listener {

		@Override
		public void onEvent(@Nullable String id, String type, String data) {
			assertThat(type).isNotEmpty().doesNotContain("\n", "\r");
			if (id != null) {
				assertThat(id).doesNotContain("\u0000", "\n", "\r");
			}
		}

		@Override
		public void onRetry(long millis) {
			assertThat(millis).isNotNegative();
		}

	}

}
