package org.msight.plugins.imagedumper;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/** The {@code image-dumper} node type: JPEG images from a topic into files in a folder. */
public final class ImageDumperProvider implements NodeProvider {

    private static final List<Setting> SETTINGS = List.of(
            Setting.required("folder", SettingType.FOLDER, "Folder the JPEG files go to; created when missing").nonEmpty(),
            Setting.optional("file-name", SettingType.STRING,
                    "File name pattern with {sensor}, {time} (capture time, UTC) and {frame} (frame id); a plain"
                            + " name (no /, not starting with a dot) holding {frame} or {time}, so files differ"),
            Setting.optional("max-files", SettingType.INT,
                    "Keep at most this many files, deleting the oldest; 0 keeps them all").atLeast(0));

    @Override
    public String type() {
        return "image-dumper";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "Writes the JPEG images it receives to files in a folder";
    }

    @Override
    public List<Setting> settings() {
        return SETTINGS;
    }

    @Override
    public Node create(NodeContext context) {
        Config config = context.config();
        return new ImageDumperNode(context, Path.of(config.getString("folder").trim()),
                new FileNamePattern(config.getString("file-name")), config.getInt("max-files"));
    }
}
