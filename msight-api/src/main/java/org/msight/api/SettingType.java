package org.msight.api;

/** The HOCON value type of a {@link Setting}. */
public enum SettingType {
    /** A string. */
    STRING,
    /**
     * A folder this process writes files in, read as a string; empty for none. Before any node is
     * created the runtime checks, creating nothing, that it is a folder this process may write in,
     * or that it can be made: the nearest folder of its path that exists is one.
     */
    FOLDER,
    /** A whole number (32 bits). */
    INT,
    /** A number. */
    DOUBLE,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A duration with unit, such as {@code 500ms} or {@code 10s}. */
    DURATION,
    /** A list of strings. */
    STRING_LIST,
    /** An object of keys and values, such as HTTP headers. */
    OBJECT
}
