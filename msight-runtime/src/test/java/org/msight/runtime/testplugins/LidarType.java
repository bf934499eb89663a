package org.msight.runtime.testplugins;

import org.msight.api.data.DataType;
import org.msight.api.data.Fields;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/** Test data type of a plugin jar, of tag {@code example.Lidar}, or of another tag a subclass gives. */
public class LidarType implements DataType {

    private final String tag;

    public LidarType() {
        this("example.Lidar");
    }

    protected LidarType(String tag) {
        this.tag = tag;
    }

    @Override
    public String tag() {
        return tag;
    }

    @Override
    public SensorData read(Metadata metadata, Fields fields) {
        return new SensorData(metadata);
    }
}
