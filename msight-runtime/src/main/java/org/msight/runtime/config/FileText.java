package org.msight.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.parser.ConfigDocument;
import com.typesafe.config.parser.ConfigDocumentFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What only the text of a pipeline file shows, not its merged tree. */
final class FileText {

    private static final Pattern MISSING_NAME = Pattern.compile("(?:resource not found on classpath|not found): ?'?([^'\\s]+)");

    private FileText() {
    }

    /**
     * Nodes defined twice in the file. HOCON merges two blocks of the same name, and when the
     * second sets every key of the first no trace of the first is left in the tree. Setting the
     * node's value in the file's document replaces its last definition and removes the others,
     * so an earlier definition shows as the first line that changed before the last one.
     */
    static List<ConfigProblem> duplicateNodes(Path file, Config root) {
        ConfigValue nodes = root.root().get("nodes");
        if (!(nodes instanceof ConfigObject object)) {
            return List.of();
        }
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigDocument document = ConfigDocumentFactory.parseFile(file.toFile());
        List<String> lines = document.render().lines().toList();
        for (Map.Entry<String, ConfigValue> node : object.entrySet()) {
            int last = node.getValue().origin().lineNumber();
            if (!file.toString().equals(node.getValue().origin().filename()) || last < 1) {
                continue;
            }
            String path = "nodes." + ConfigProblem.quoted(node.getKey());
            List<String> replaced = document.withValueText(path, "{}").render().lines().toList();
            for (int line = 1; line < last && line <= Math.min(lines.size(), replaced.size()); line++) {
                if (!lines.get(line - 1).equals(replaced.get(line - 1))) {
                    problems.add(new ConfigProblem(file + ":" + last, path, "node '" + node.getKey()
                            + "' is defined twice (also at line " + line + "); give each node its own name"));
                    break;
                }
            }
        }
        return problems;
    }

    /** {@code file:line} of the first line naming what a "not found" message names; the file alone when none does. */
    static String lineNaming(Path file, String fallback, String message) {
        Matcher name = MISSING_NAME.matcher(message);
        return name.find() ? lineContaining(file, fallback, name.group(1)) : fallback;
    }

    /** Whether {@code file} includes {@code name} with {@code classpath("name")}, which is not looked for beside it. */
    static boolean includesFromClassPath(Path file, String name) {
        try {
            return file != null && Pattern.compile("classpath\\(\\s*\"" + Pattern.quote(name) + "\"\\s*\\)")
                    .matcher(Files.readString(file)).find();
        } catch (IOException e) {
            return false; // the file was just read; if it is gone now, it names nothing
        }
    }

    /** {@code file:line} of the first line that holds {@code text}; the file alone when none does. */
    static String lineContaining(Path file, String fallback, String text) {
        if (file == null) {
            return fallback;
        }
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    return file + ":" + (i + 1);
                }
            }
        } catch (IOException e) {
            // the file was just read; if it is gone now, the file alone is all we can say
        }
        return fallback;
    }
}
