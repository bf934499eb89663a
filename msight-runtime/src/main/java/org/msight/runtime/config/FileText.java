package org.msight.runtime.config;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.msight.api.LogSafe;

/**
 * What only the text of a pipeline file, and of the files it includes, shows: not its merged
 * tree. Each file is outlined ({@link HoconOutline}) once.
 */
final class FileText {

    /** How deep includes are followed, as deep as Typesafe Config follows them. */
    private static final int MAX_DEPTH = 50;
    /** The files an include without one of these extensions names: each that exists, merged. */
    private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");

    private record Document(Path file, HoconOutline outline) {
    }

    private final List<Document> documents = new ArrayList<>();

    private FileText() {
    }

    /** The outline of {@code file} and, recursively, of the files it includes that can be read. */
    static FileText of(Path file) {
        FileText text = new FileText();
        text.add(file, List.of(), 0);
        return text;
    }

    private void add(Path file, List<String> prefix, int depth) {
        HoconOutline outline;
        try {
            // as Typesafe Config reads it: a byte not UTF-8 (a comment in Windows-1252) is U+FFFD
            outline = HoconOutline.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), prefix);
        } catch (IOException e) {
            return; // Typesafe Config read it, or says why it could not
        }
        documents.add(new Document(file, outline));
        for (HoconOutline.Statement statement : depth < MAX_DEPTH ? outline.includes() : List.<HoconOutline.Statement>of()) {
            for (Path included : new Include(file, statement).files()) {
                if (!included.toString().endsWith(".properties") && Files.isRegularFile(included)
                        && Files.isReadable(included)) {
                    add(included, statement.prefix(), depth + 1);
                }
            }
        }
    }

    /**
     * Nodes a file defines twice, as two object literals {@code nodes.<name>}: HOCON merges them
     * silently, and within one file that is almost always a copy-paste mistake. A node taken from
     * a template ({@code cam = ${templates.cam} { ... }}), written with dotted keys, or overridden
     * in another (included) file is no duplicate.
     */
    List<ConfigProblem> duplicateNodes() {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Document document : documents) {
            Map<String, List<Integer>> lines = new LinkedHashMap<>();
            for (HoconOutline.Block block : document.outline().blocks()) {
                if (block.path().size() == 2 && block.path().get(0).equals("nodes")) {
                    lines.computeIfAbsent(block.path().get(1), name -> new ArrayList<>()).add(block.line());
                }
            }
            lines.forEach((name, at) -> {
                if (at.size() > 1) {
                    List<Integer> others = at.subList(0, at.size() - 1);
                    problems.add(new ConfigProblem(document.file() + ":" + at.get(at.size() - 1),
                            "nodes." + ConfigProblem.quoted(name), "node '" + name + "' is defined "
                                    + (at.size() == 2 ? "twice" : at.size() + " times") + " (also at line"
                                    + (others.size() > 1 ? "s " : " ")
                                    + others.stream().map(String::valueOf).collect(Collectors.joining(", "))
                                    + "); give each node its own name"));
                }
            });
        }
        return problems;
    }

    /**
     * Includes not required that name a file that exists but cannot be read (a folder, a file
     * this user may not read): Typesafe Config takes them for missing and leaves out silently
     * what the file was written to give.
     */
    List<ConfigProblem> unreadableIncludes() {
        return includes().filter(include -> !include.statement().required())
                .flatMap(include -> include.unreadable().map(why -> include.problem(why)).stream()).toList();
    }

    /**
     * The problem of the required include that Typesafe Config could not read, at its line, from
     * its origin's {@code description}, which is the include's name or the file it read: of the
     * includes so named, the first whose file is missing or cannot be read; empty when no file of
     * the pipeline has it.
     *
     * @param reported Typesafe Config's reason, for what the file system cannot tell (a url's failure)
     */
    Optional<ConfigProblem> failedInclude(String description, String reported) {
        List<Include> named = includes()
                .filter(include -> include.statement().required() && include.isNamedBy(description)).toList();
        return named.stream().filter(Include::failed).findFirst().or(() -> named.stream().findFirst())
                .map(include -> include.problem(include.failure(reported)));
    }

    private java.util.stream.Stream<Include> includes() {
        return documents.stream().flatMap(document -> document.outline().includes().stream()
                .map(statement -> new Include(document.file(), statement)));
    }

    /** An include statement of {@code document}. */
    private record Include(Path document, HoconOutline.Statement statement) {

        ConfigProblem problem(String message) {
            return new ConfigProblem(document + ":" + statement.line(), "(include)", LogSafe.whole(message));
        }

        /**
         * The files it names: beside its document, or from the working folder for {@code file(...)};
         * none for a url or the class path.
         */
        List<Path> files() {
            try {
                Path named = switch (statement.kind()) {
                    case "" -> document.resolveSibling(statement.name());
                    case "file" -> Path.of(statement.name());
                    default -> null;
                };
                return named == null ? List.of() : hasExtension() ? List.of(named)
                        : EXTENSIONS.stream().map(extension -> Path.of(named + extension)).toList();
            } catch (InvalidPathException e) {
                return List.of(); // no file has such a name
            }
        }

        private boolean hasExtension() {
            return EXTENSIONS.stream().anyMatch(statement.name()::endsWith);
        }

        /** Whether a failed include's origin, {@code description}, is this: its name, or a file it names. */
        boolean isNamedBy(String description) {
            return statement.name().equals(description)
                    || files().stream().anyMatch(file -> file.toString().equals(description));
        }

        /** Why a file it names that exists cannot be read, as Java says it ({@code /p/x.conf (Is a directory)}). */
        Optional<String> unreadable() {
            for (Path file : files()) {
                if (Files.exists(file)) {
                    try (InputStream ignored = new FileInputStream(file.toFile())) {
                        // readable
                    } catch (IOException e) {
                        return Optional.of("cannot be read: " + e.getMessage());
                    }
                }
            }
            return Optional.empty();
        }

        /** Whether no file it names exists, or one cannot be read. */
        boolean failed() {
            return !exists() || unreadable().isPresent();
        }

        private boolean exists() {
            return files().stream().anyMatch(Files::exists);
        }

        /** Why it failed, required: a file it names cannot be read, or there is none (where it was looked for). */
        String failure(String reported) {
            String named = statement.name() + (hasExtension() ? "" : "(" + String.join("|", EXTENSIONS) + ")");
            try {
                return unreadable().orElseGet(() -> exists() ? reported : switch (statement.kind()) {
                    case "" -> "no such file " + named + " in " + document.toAbsolutePath().getParent()
                            + ", the folder of this file";
                    case "file" -> "no such file " + Path.of(named).toAbsolutePath();
                    case "classpath" -> "resource not found on classpath: " + named;
                    default -> reported;
                });
            } catch (InvalidPathException e) { // a NUL in file("..."), say
                return "no file can be named " + named + ": " + e.getReason();
            }
        }
    }
}
