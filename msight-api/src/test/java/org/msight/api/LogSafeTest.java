package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void ordinaryValuesAreUnchanged() {
        assertThat(LogSafe.text("msight_core.data.image.ImageData")).isEqualTo("msight_core.data.image.ImageData");
        assertThat(LogSafe.text("caméra nord 北 🎥")).isEqualTo("caméra nord 北 🎥");
        assertThat(LogSafe.text(42)).isEqualTo("42");
        assertThat(LogSafe.text(null)).isEqualTo("null");
    }

    @Test
    void aValueCannotForgeALogLine() {
        String forged = "x\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forged\r\tend";
        assertThat(LogSafe.text(forged))
                .isEqualTo("x\\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forged\\r\\tend")
                .doesNotContain("\n", "\r", "\t");
    }

    @Test
    void ansiEscapesAndOtherInvisibleCharactersAreEscaped() {
        assertThat(LogSafe.text("\u001b[31mred\u001b[0m")).isEqualTo("\\u001b[31mred\\u001b[0m");
        assertThat(LogSafe.text("a\u009b2Jb\u0000c\u007f")).isEqualTo("a\\u009b2Jb\\u0000c\\u007f");
        assertThat(LogSafe.text("admin\u202egpj.exe\u2028next")).isEqualTo("admin\\u202egpj.exe\\u2028next");
        assertThat(LogSafe.text("lone \ud800 surrogate")).isEqualTo("lone \\ud800 surrogate");
    }

    @Test
    void urlUserInfoIsMaskedBeforeAnythingIsCut() {
        assertThat(LogSafe.text("cannot open rtsp://john@corp.example:PASSWORD@cam/live"))
                .isEqualTo("cannot open rtsp://***@cam/live");
        String longPassword = "rtsp://u:" + "p".repeat(2 * LogSafe.MAX_LENGTH) + "@cam/live";
        assertThat(LogSafe.text(longPassword)).isEqualTo("rtsp://***@cam/live");
    }

    @Test
    void aHugeValueIsCutAndSaysHowLongItWas() {
        String huge = "A".repeat(1 << 20);
        String safe = LogSafe.text(huge);
        assertThat(safe).hasSize(LogSafe.MAX_LENGTH + "... (1048576 chars)".length())
                .startsWith("AAAA").endsWith("A... (1048576 chars)");
        assertThat(LogSafe.text("\n".repeat(1 << 20))).hasSizeLessThan(LogSafe.MAX_LENGTH + 32).startsWith("\\n\\n");
        assertThat(LogSafe.text("A".repeat(LogSafe.MAX_LENGTH))).hasSize(LogSafe.MAX_LENGTH);
    }

    @Test
    void aCutNeverSplitsACharacter() {
        String emoji = "🎥".repeat(LogSafe.MAX_LENGTH);
        String safe = LogSafe.text(emoji);
        String kept = safe.substring(0, safe.indexOf("..."));
        assertThat(kept.codePoints()).allMatch(codePoint -> codePoint == "🎥".codePointAt(0));
    }

    @Test
    void wholeEscapesAndMasksAsTextDoesButNeverCuts() {
        String diagnostic = "SDP: s=" + "x".repeat(2 * LogSafe.MAX_LENGTH) + "\nERROR :: forged rtsp://u:pw@cam/live";
        assertThat(LogSafe.whole(diagnostic))
                .isEqualTo("SDP: s=" + "x".repeat(2 * LogSafe.MAX_LENGTH) + "\\nERROR :: forged rtsp://***@cam/live");
        assertThat(LogSafe.whole(null)).isEqualTo("null");
    }
}
