package io.github.cloudrunmcp.sample;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventTypeCountsTests {

	@Test
	void countsEachKnownType() {
		EventTypeCounts counts = new EventTypeCounts();
		counts.count("model.response");
		counts.count("model.response");
		counts.count("agent.reply");
		assertThat(counts.snapshot()).containsEntry("model.response", 2L).containsEntry("agent.reply", 1L);
	}

	@Test
	void aServerThatInventsATypePerEventCannotGrowTheMap() {
		EventTypeCounts counts = new EventTypeCounts();
		for (int i = 0; i < 100_000; i++) {
			counts.count("type-" + i);
		}
		assertThat(counts.snapshot()).hasSize(EventTypeCounts.MAX_TYPES + 1)
			.containsEntry(EventTypeCounts.OTHER_TYPES, 100_000L - EventTypeCounts.MAX_TYPES)
			.containsEntry("type-0", 1L);
	}

}
