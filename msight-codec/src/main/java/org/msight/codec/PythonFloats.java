package org.msight.codec;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;

/**
 * Formats doubles as Python's {@code repr(float)}, which is also {@code str(float)} and what
 * {@code json.dumps} writes: the shortest digits that read back to the same double, positional
 * notation when the decimal point falls within 16 digits ({@code 1763353393.866798},
 * {@code 1763353393.0}, {@code 0.0001}), scientific otherwise ({@code 1e+16}, {@code 1e-05}), and
 * {@code NaN}, {@code Infinity}, {@code -Infinity}. For POSIX times as Python MSight writes them.
 */
public final class PythonFloats {

    private PythonFloats() {
    }

    /** {@code value} as Python's {@code repr(value)}. */
    public static String repr(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return Double.doubleToRawLongBits(value) < 0 ? "-0.0" : "0.0";
        }
        String sign = value < 0 ? "-" : "";
        // Jackson's Schubfach writer gives the shortest round-trip decimal (Java 17's Double.toString does not).
        BigDecimal decimal = new BigDecimal(NumberOutput.toString(Math.abs(value), true)).stripTrailingZeros();
        String digits = decimal.unscaledValue().toString();
        int point = digits.length() - decimal.scale();
        if (digits.length() == 2) {
            // Java picks the closest 2-digit decimal where 1 digit would do (4.9E-324); Python the 1 digit (5e-324).
            digits = shortestOneDigit(Math.abs(value), digits, point);
        }
        return sign + (point <= -4 || point > 16 ? scientific(digits, point - 1) : positional(digits, point));
    }

    /** The 1-digit neighbour of a 2-digit decimal that reads back as {@code value}, the closer one first. */
    private static String shortestOneDigit(double value, String twoDigits, int point) {
        int tens = twoDigits.charAt(0) - '0';
        boolean roundUp = twoDigits.charAt(1) >= '5';
        for (int candidate : roundUp ? new int[] {tens + 1, tens} : new int[] {tens, tens + 1}) {
            if (candidate <= 9 && Double.parseDouble(candidate + "E" + (point - 1)) == value) {
                return String.valueOf(candidate);
            }
        }
        return twoDigits;
    }

    private static String positional(String digits, int point) {
        if (point <= 0) {
            return "0." + "0".repeat(-point) + digits;
        }
        if (point >= digits.length()) {
            return digits + "0".repeat(point - digits.length()) + ".0";
        }
        return digits.substring(0, point) + "." + digits.substring(point);
    }

    private static String scientific(String digits, int exponent) {
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String magnitude = String.valueOf(Math.abs(exponent));
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude.length() == 1 ? "0" : "") + magnitude;
    }
}
