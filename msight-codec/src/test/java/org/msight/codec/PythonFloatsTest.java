package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PythonFloatsTest {

    /** Left: float.hex() of a value; right: repr() of it, both from Python 3. */
    @ParameterizedTest
    @CsvSource({
        "0x1.a46a8cc77799ep+30, 1763353393.866798",
        "0x1.954fc40200000p+30, 1700000000.5",
        "0x0.0p+0, 0.0",
        "-0x0.0p+0, -0.0",
        "0x1.1c37937e08000p+53, 1e+16",
        "0x1.4f8b588e368f1p-17, 1e-05",
        "0x1.a36e2eb1c432dp-14, 0.0001",
        "0x1.18b54f22aeb00p+50, 1234567890123456.0",
        "0x1.b69b4ba630f35p+56, 1.2345678901234568e+17",
        "0x1.1eb2d66005835p+997, 1.5e+300",
        "0x0.0000000000001p-1022, 5e-324",
        "0x0.0000000000002p-1022, 1e-323",
        "0x0.0000000000014p-1022, 1e-322",
        "0x1.0000000000000p-1022, 2.2250738585072014e-308",
        "0x1.999999999999ap-4, 0.1",
        "-0x1.4000000000000p+1, -2.5",
        "0x1.52d02c7e14af6p+76, 1e+23",
        "0x1.f67ea69ed3795p+57, 2.82879384806159e+17",
        "0x1.0000000000000p+53, 9007199254740992.0",
        "0x1.9000000000000p+6, 100.0",
        "0x1.ad7f29abcaf48p-24, 1e-07",
        "0x1.4b66da6c0b2a4p-20, 1.2345678e-06",
        "0x1.3a92a30553261p-12, 0.0003",
        "0x1.5555555555555p-2, 0.3333333333333333",
    })
    void matchesPythonRepr(String hex, String python) {
        assertThat(PythonFloats.repr(Double.parseDouble(hex))).isEqualTo(python);
    }

    @ParameterizedTest
    @CsvSource({"NaN, NaN", "Infinity, Infinity", "-Infinity, -Infinity"})
    void nonFiniteValuesAsJsonDumpsWritesThem(String java, String python) {
        assertThat(PythonFloats.repr(Double.parseDouble(java))).isEqualTo(python);
    }

    /**
     * Doubles of every magnitude (fixed seed): the shortest round-trip digits, as Jackson's writer
     * finds them, in Python's layout: positional while the decimal point falls within 16 digits,
     * else one digit, a point only if more follow, and an exponent of at least two digits.
     */
    @Test
    void everyMagnitudeKeepsTheShortestDigitsInPythonsLayout() {
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 200_000; i++) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (!Double.isFinite(value) || value == 0) {
                continue;
            }
            String repr = PythonFloats.repr(value);
            BigDecimal exact = new BigDecimal(repr);
            assertThat(Double.parseDouble(repr)).as(repr).isEqualTo(value);
            assertThat(exact.stripTrailingZeros().precision()).as(repr)
                    .isLessThanOrEqualTo(new BigDecimal(NumberOutput.toString(value, true)).stripTrailingZeros().precision());
            int point = exact.precision() - exact.scale();
            assertThat(repr).as("%s (point %d)", repr, point).matches(point > -4 && point <= 16
                    ? "-?(0|[1-9][0-9]*)\\.[0-9]+" : "-?[1-9](\\.[0-9]*[1-9])?e[+-][0-9]{2,3}");
        }
    }
}
