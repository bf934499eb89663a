package org.msight.api;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Finds what a user probably meant when a name is misspelt: for messages about unknown keys and values. */
public final class Suggestions {

    private Suggestions() {
    }

    /**
     * The closest candidate within a few edits (two, or a third of the name's length if more), if any.
     *
     * @param name what the user wrote
     * @param candidates the names that would have been accepted
     */
    static Optional<String> closest(String name, Collection<String> candidates) {
        return closest(name, candidates, Math.max(2, name.length() / 3));
    }

    /**
     * The closest candidate at most {@code maxEdits} edits (letters added, removed or changed) away,
     * if any: for a check that refuses what is that close, where a wider net would catch names
     * that are merely alike.
     */
    static Optional<String> closest(String name, Collection<String> candidates, int maxEdits) {
        return candidates.stream()
                .filter(c -> distance(name, c) <= maxEdits)
                .min(Comparator.comparingInt(c -> distance(name, c)));
    }

    /** {@code " (did you mean 'x'?)"} with the {@link #closest} candidate, or an empty string. */
    public static String didYouMean(String name, Collection<String> candidates) {
        return didYouMean(closest(name, candidates));
    }

    /** {@code " (did you mean 'x'?)"} with a candidate at most {@code maxEdits} away, or an empty string. */
    public static String didYouMean(String name, Collection<String> candidates, int maxEdits) {
        return didYouMean(closest(name, candidates, maxEdits));
    }

    private static String didYouMean(Optional<String> candidate) {
        return candidate.map(c -> " (did you mean '" + c + "'?)").orElse("");
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
