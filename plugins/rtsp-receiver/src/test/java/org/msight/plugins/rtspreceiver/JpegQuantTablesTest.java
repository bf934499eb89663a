package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JpegQuantTablesTest {

    @Test
    void qualityFiftyIsTheStandardsTable() {
        assertThat(JpegQuantTables.luminance(50)).startsWith(16, 11, 10, 16, 24, 40, 51, 61).endsWith(103, 99);
        assertThat(JpegQuantTables.chrominance(50)).startsWith(17, 18, 24, 47, 99).endsWith(99);
    }

    @Test
    void qualityScalesTheTableAsLibjpegDoes() {
        // quality 75: 50 % of the table; quality 25: 200 %; rounded, kept within 1..255
        assertThat(JpegQuantTables.luminance(75)).startsWith(8, 6, 5, 8, 12, 20, 26, 31);
        assertThat(JpegQuantTables.luminance(25)).startsWith(32, 22, 20, 32, 48, 80, 102, 122);
        assertThat(JpegQuantTables.luminance(100)).containsOnly(1);
        assertThat(JpegQuantTables.luminance(1)).containsOnly(255);
    }

    @Test
    void qualityOutsideOneToHundredIsRejected() {
        assertThatThrownBy(() -> JpegQuantTables.luminance(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
