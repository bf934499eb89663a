package org.msight.runtime.testplugins;

import org.msight.api.data.ImageData;

/** Test data type of a plugin jar that takes the tag of a built-in type, {@link ImageData}. */
public final class ImageTwinType extends LidarType {

    public ImageTwinType() {
        super(ImageData.TAG);
    }
}
