package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private static final List<String> KEYS = List.of("publish-topic", "subscribe-topic", "queue-capacity", "gap");

    @Test
    void theClosestNameWithinAFewEditsIsSuggested() {
        assertThat(Suggestions.didYouMean("publish-topik", KEYS)).isEqualTo(" (did you mean 'publish-topic'?)");
        assertThat(Suggestions.didYouMean("queue-capacty", KEYS)).isEqualTo(" (did you mean 'queue-capacity'?)");
        assertThat(Suggestions.didYouMean("gpa", KEYS)).isEqualTo(" (did you mean 'gap'?)");
        assertThat(Suggestions.didYouMean("camera", KEYS)).isEmpty();
    }

    /** Long names allow a third of their length by default; a caller that refuses asks for fewer. */
    @Test
    void aCallerCanAskForCloserNames() {
        assertThat(Suggestions.closest("subscribe-tpoic-x", KEYS)).contains("subscribe-topic");
        assertThat(Suggestions.closest("subscribe-tpoic-x", KEYS, 2)).isEmpty();
        assertThat(Suggestions.closest("subscribe-topc", KEYS, 2)).contains("subscribe-topic");
    }
}
