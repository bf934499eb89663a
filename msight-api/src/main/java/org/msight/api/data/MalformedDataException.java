package org.msight.api.data;

/** A message that lacks a field or has one of the wrong type; it is counted and skipped. */
public class MalformedDataException extends RuntimeException {

    /** @param message which field is wrong and how */
    public MalformedDataException(String message) {
        super(message);
    }
}
