package io.github.cloudrunmcp.stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderValuesTests {

	@Test
	void eventIdsMustBePrintableAsciiWithoutSurroundingSpaces() {
		assertThat(HeaderValues.isSendable("42")).isTrue();
		assertThat(HeaderValues.isSendable("a b")).isTrue();
		assertThat(HeaderValues.isSendable("")).isFalse();
		assertThat(HeaderValues.isSendable(null)).isFalse();
		assertThat(HeaderValues.isSendable(" a")).isFalse();
		assertThat(HeaderValues.isSendable("a ")).isFalse();
		assertThat(HeaderValues.isSendable("a\u0001")).isFalse();
		assertThat(HeaderValues.isSendable("a\u007F")).isFalse();
		assertThat(HeaderValues.isSendable("\u00e9")).isFalse();
		assertThat(HeaderValues.isSendable("\u4e2d")).isFalse();
	}

	@Test
	void valuesReceivedInHeadersMayCarryLatin1BytesButNoControls() {
		assertThat(HeaderValues.isEchoable("session-\u00e9")).isTrue();
		assertThat(HeaderValues.isEchoable("a\r\nb")).isFalse();
		assertThat(HeaderValues.isEchoable("a\u007F")).isFalse();
		assertThat(HeaderValues.isEchoable("\u4e2d")).isFalse();
		assertThat(HeaderValues.isEchoable(" a")).isFalse();
	}

}
