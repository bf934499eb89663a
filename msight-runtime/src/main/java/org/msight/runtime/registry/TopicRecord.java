package org.msight.runtime.registry;

/**
 * One topic's entry in {@code MSIGHT:TOPICS}: the JSON value {@code {"name", "description", "data_type"}}.
 *
 * @param description free text, or {@code null}
 * @param dataType the {@code data_type} tag of its messages, or {@code null} when unknown
 */
public record TopicRecord(String name, String description, String dataType) {
}
