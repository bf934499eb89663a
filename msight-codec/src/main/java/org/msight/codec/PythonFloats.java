package org.msight.codec;

import com.fasterxml.jackson.core.io.NumberOutput;

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
        // Jackson's Schubfach writer gives the shortest round-trip decimal (Java 17's Double.toString does not),
        // as Java writes it: "123.45", "0.001", "1.0E-5", "1.2345678901234568E17".
        String java = NumberOutput.toString(Math.abs(value), true);
        int e = java.indexOf('E');
        int end = e < 0 ? java.length() : e;
        int dot = java.indexOf('.');
        StringBuilder all = new StringBuilder(end).append(java, 0, dot).append(java, dot + 1, end);
        int first = 0;
        while (all.charAt(first) == '0') {
            first++;
        }
        int last = all.length();
        while (all.charAt(last - 1) == '0') {
            last--;
        }
        String digits = all.substring(first, last);
        // Where the decimal point falls, counted from the first significant digit.
        int point = dot - first + (e < 0 ? 0 : Integer.parseInt(java, e + 1, java.length(), 10));
        if (digits.length() == 2) {
            // Java picks the closest 2-digit decimal where 1 digit would do (4.9E-324, 9.9E-324); Python the 1 digit
            // (5e-324, 1e-323).
            int digit = oneDigit(Math.abs(value), digits, point);
            if (digit == 10) {
                digits = "1";
                point++;
            } else if (digit > 0) {
                digits = String.valueOf(digit);
            }
        }
        return sign + (point <= -4 || point > 16 ? scientific(digits, point - 1) : positional(digits, point));
    }

    /**
     * The 1-digit neighbour of a 2-digit decimal that reads back as {@code value}, the closer one
     * first: 1 to 9, or 10 (a 1 at the next power of ten) above 9.x; 0 when neither reads back.
     */
    private static int oneDigit(double value, String twoDigits, int point) {
        int tens = twoDigits.charAt(0) - '0';
        boolean roundUp = twoDigits.charAt(1) >= '5';
        for (int candidate : roundUp ? new int[] {tens + 1, tens} : new int[] {tens, tens + 1}) {
            if (Double.parseDouble(candidate + "E" + (point - 1)) == value) {
                return candidate;
            }
        }
        return 0;
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
