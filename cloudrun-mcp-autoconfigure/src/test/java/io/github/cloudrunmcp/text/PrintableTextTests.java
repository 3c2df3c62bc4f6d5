package io.github.cloudrunmcp.text;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PrintableTextTests {

	@Test
	void plainTextIsKept() {
		assertThat(PrintableText.of("model.response #42 {\"a\":1}")).isEqualTo("model.response #42 {\"a\":1}");
		assertThat(PrintableText.of("Grüße ✓ 😀")).isEqualTo("Grüße ✓ 😀");
		assertThat(PrintableText.of(null)).isEqualTo("null");
	}

	@Test
	void lineBreaksCannotForgeLogLines() {
		assertThat(PrintableText.of("7\n2026-11-30 ERROR forged\r\n")).isEqualTo("7\\n2026-11-30 ERROR forged\\r\\n")
			.doesNotContain("\n", "\r");
	}

	@Test
	void terminalEscapesAndInvisibleControlsAreEscaped() {
		assertThat(PrintableText.of("\u001b[2Jcleared\u0000\u007f\u0085"))
			.isEqualTo("\\u001b[2Jcleared\\u0000\\u007f\\u0085");
		assertThat(PrintableText.of("a\u2028b\u202Ec\u2066d\uFEFF")).isEqualTo("a\\u2028b\\u202ec\\u2066d\\ufeff");
		assertThat(PrintableText.of("lone \uD800 surrogate")).isEqualTo("lone \\ud800 surrogate");
	}

	@Test
	void backslashesAreDoubledSoEscapesAreUnambiguous() {
		assertThat(PrintableText.of("\\n")).isEqualTo("\\\\n");
	}

	@Test
	void longTextIsCutAndSaysHowMuchWasLeftOut() {
		assertThat(PrintableText.of("x".repeat(1000))).isEqualTo("x".repeat(256) + "...(744 more chars)");
		assertThat(PrintableText.of("abcdef", 3)).isEqualTo("abc...(3 more chars)");
		assertThat(PrintableText.of("a😀", 2)).isEqualTo("a...(2 more chars)");
		assertThat(PrintableText.of("abc", 0)).isEqualTo("...(3 more chars)");
	}

	@Test
	void negativeLimitIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> PrintableText.of("a", -1))
			.withMessageContaining("maxLength must be 0 or more, got -1");
	}

}
