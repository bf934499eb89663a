package org.msight.api;

import org.msight.api.data.SensorData;

/**
 * A node that consumes messages from one topic and publishes results to another with
 * {@link NodeContext#publish} (a detector, a resizer). See {@link Node} for the lifecycle.
 * {@code gap} applies to the messages it receives.
 */
public interface ProcessorNode extends Node {

    /** Handles one message, publishing zero or more results. */
    void process(SensorData data) throws Exception;
}
