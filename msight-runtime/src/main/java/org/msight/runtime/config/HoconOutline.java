package org.msight.runtime.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the text of one HOCON document writes, which its merged tree no longer tells: its object
 * literals ({@code cam { ... }} or {@code cam = { ... }}) and its include statements, each with
 * its path and line. The text has been parsed by Typesafe Config already: its syntax is not
 * checked again, and a value that is or starts with a substitution ({@code ${defaults} { ... }})
 * is no literal.
 */
final class HoconOutline {

    /** An object literal, at {@code path} from the root the document is read into. */
    record Block(List<String> path, int line) {
    }

    /**
     * An include statement.
     *
     * @param prefix the path of the block it is in
     * @param kind {@code file}, {@code url} or {@code classpath} as written around the name; empty for a plain one
     */
    record Statement(List<String> prefix, int line, String kind, String name, boolean required) {
    }

    private enum Kind { NEWLINE, SPACE, TEXT, STRING, SUBSTITUTION, OPEN, CLOSE, OPEN_LIST, CLOSE_LIST, COMMA, SEPARATOR, END }

    /** @param text unquoted text as written, a quoted string's value */
    private record Token(Kind kind, String text, int line) {
    }

    private static final String PUNCTUATION = "{}[],:=";
    private static final Pattern INCLUDE_KIND = Pattern.compile("\\b(file|url|classpath)\\(");

    private final List<Token> tokens;
    private final List<Block> blocks = new ArrayList<>();
    private final List<Statement> includes = new ArrayList<>();
    private int next;

    private HoconOutline(String text) {
        this.tokens = tokens(text);
    }

    /** The outline of {@code text}, a document read into {@code prefix} (where it is included). */
    static HoconOutline of(String text, List<String> prefix) {
        HoconOutline outline = new HoconOutline(text);
        outline.skip(Kind.SPACE, Kind.NEWLINE);
        boolean braced = outline.peek().kind() == Kind.OPEN;
        outline.next += braced ? 1 : 0;
        outline.fields(prefix, true);
        return outline;
    }

    List<Block> blocks() {
        return blocks;
    }

    List<Statement> includes() {
        return includes;
    }

    /**
     * Reads the fields of a block up to its closing brace, or the end of the document.
     *
     * @param literal whether its blocks are object literals; else only its includes are recorded
     */
    private void fields(List<String> prefix, boolean literal) {
        while (true) {
            skip(Kind.SPACE, Kind.NEWLINE, Kind.COMMA);
            Kind kind = peek().kind();
            if (kind == Kind.END || kind == Kind.CLOSE) {
                next += kind == Kind.CLOSE ? 1 : 0;
                return;
            }
            if (isInclude()) {
                include(prefix);
                continue;
            }
            int line = peek().line();
            List<String> path = new ArrayList<>(prefix);
            path.addAll(key());
            skip(Kind.SPACE, Kind.NEWLINE); // a block may open on the next line
            boolean appended = peek().kind() == Kind.SEPARATOR && peek().text().equals("+=");
            if (peek().kind() == Kind.SEPARATOR) {
                next++;
                skip(Kind.SPACE, Kind.NEWLINE);
            }
            if (literal && !appended && path.size() > prefix.size() && peek().kind() == Kind.OPEN) {
                blocks.add(new Block(List.copyOf(path), line));
                next++;
                fields(path, true);
            }
            skipValue(path); // the rest of it: a concatenation, such as { ... } ${more}
        }
    }

    /** A key's path: dots split unquoted text, not quoted strings; spaces inside it are kept, as HOCON keeps them. */
    private List<String> key() {
        List<String> path = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        StringBuilder space = new StringBuilder();
        boolean any = false;
        for (Token token = peek(); token.kind() == Kind.TEXT || token.kind() == Kind.STRING
                || token.kind() == Kind.SPACE; token = tokens.get(++next)) {
            if (token.kind() == Kind.SPACE) {
                space.append(token.text());
                continue;
            }
            element.append(any ? space : "");
            space.setLength(0);
            any = true;
            if (token.kind() == Kind.STRING) {
                element.append(token.text());
                continue;
            }
            for (char c : token.text().toCharArray()) {
                if (c == '.') {
                    path.add(element.toString());
                    element.setLength(0);
                } else {
                    element.append(c);
                }
            }
        }
        if (any) {
            path.add(element.toString());
        }
        return path;
    }

    /** Whether the next tokens are {@code include "name"} or {@code include required(...)} and the like. */
    private boolean isInclude() {
        if (!peek().text().equals("include") || peek().kind() != Kind.TEXT || tokens.get(next + 1).kind() != Kind.SPACE) {
            return false;
        }
        Token after = tokens.get(next + 2);
        return after.kind() == Kind.STRING || after.kind() == Kind.TEXT && after.text().matches("(required|file|url|classpath)\\(.*");
    }

    private void include(List<String> prefix) {
        int line = peek().line();
        next++;
        String kind = "";
        String name = null;
        boolean required = false;
        for (Token token = peek(); !endsValue(token.kind()); token = tokens.get(++next)) {
            if (token.kind() == Kind.STRING && name == null) {
                name = token.text();
            } else if (token.kind() == Kind.TEXT) {
                required |= token.text().contains("required(");
                Matcher wrapper = INCLUDE_KIND.matcher(token.text());
                kind = wrapper.find() ? wrapper.group(1) : kind;
            }
        }
        if (name != null) {
            includes.add(new Statement(List.copyOf(prefix), line, kind, name, required));
        }
    }

    /**
     * Skips a value at {@code path}, or what is left of one, up to the end of its field: the blocks
     * in it (after a substitution, in a list) are no literals, but the files they include are read.
     */
    private void skipValue(List<String> path) {
        int lists = 0;
        for (Kind kind = peek().kind(); kind != Kind.END && (lists > 0 || !endsValue(kind)); kind = peek().kind()) {
            next++;
            if (kind == Kind.OPEN) {
                fields(path, false);
            } else if (kind == Kind.OPEN_LIST) {
                lists++;
            } else if (kind == Kind.CLOSE_LIST) {
                lists--;
            }
        }
    }

    private static boolean endsValue(Kind kind) {
        return kind == Kind.NEWLINE || kind == Kind.COMMA || kind == Kind.CLOSE || kind == Kind.END;
    }

    private Token peek() {
        return tokens.get(next);
    }

    private void skip(Kind... kinds) {
        while (List.of(kinds).contains(peek().kind())) {
            next++;
        }
    }

    /** The tokens of HOCON text, without its comments, ending with {@link Kind#END}. */
    private static List<Token> tokens(String text) {
        List<Token> tokens = new ArrayList<>();
        int line = 1;
        int at = 0;
        while (at < text.length()) {
            char c = text.charAt(at);
            int end;
            if (c == '\n') {
                tokens.add(new Token(Kind.NEWLINE, "\n", line++));
                at++;
                continue;
            }
            if (c == '#' || text.startsWith("//", at)) {
                end = text.indexOf('\n', at);
                at = end < 0 ? text.length() : end;
                continue;
            }
            if (isSpace(c)) {
                for (end = at; end < text.length() && isSpace(text.charAt(end)); end++) {
                    // a run of spaces
                }
                tokens.add(new Token(Kind.SPACE, text.substring(at, end), line));
            } else if (text.startsWith("\"\"\"", at)) {
                end = text.indexOf("\"\"\"", at + 3);
                end = end < 0 ? text.length() : end;
                while (end + 3 < text.length() && text.charAt(end + 3) == '"') {
                    end++; // quotes before the closing three belong to the string
                }
                String value = text.substring(at + 3, end);
                tokens.add(new Token(Kind.STRING, value, line));
                line += (int) value.chars().filter(ch -> ch == '\n').count();
                end = Math.min(end + 3, text.length());
            } else if (c == '"') {
                StringBuilder value = new StringBuilder();
                for (end = at + 1; end < text.length() && text.charAt(end) != '"' && text.charAt(end) != '\n'; end++) {
                    if (text.charAt(end) == '\\' && end + 1 < text.length()) {
                        end = unescape(text, end + 1, value);
                    } else {
                        value.append(text.charAt(end));
                    }
                }
                tokens.add(new Token(Kind.STRING, value.toString(), line));
                end = Math.min(end + 1, text.length());
            } else if (text.startsWith("${", at)) {
                end = text.indexOf('}', at);
                end = end < 0 ? text.length() : end + 1;
                tokens.add(new Token(Kind.SUBSTITUTION, text.substring(at, end), line));
            } else if (PUNCTUATION.indexOf(c) >= 0) {
                tokens.add(new Token(punctuation(c), String.valueOf(c), line));
                end = at + 1;
            } else if (text.startsWith("+=", at)) {
                tokens.add(new Token(Kind.SEPARATOR, "+=", line));
                end = at + 2;
            } else {
                for (end = at + 1; end < text.length() && !endsText(text, end); end++) {
                    // unquoted text
                }
                tokens.add(new Token(Kind.TEXT, text.substring(at, end), line));
            }
            at = end;
        }
        tokens.add(new Token(Kind.END, "", line));
        return tokens;
    }

    private static Kind punctuation(char c) {
        return switch (c) {
            case '{' -> Kind.OPEN;
            case '}' -> Kind.CLOSE;
            case '[' -> Kind.OPEN_LIST;
            case ']' -> Kind.CLOSE_LIST;
            case ',' -> Kind.COMMA;
            default -> Kind.SEPARATOR;
        };
    }

    private static boolean isSpace(char c) {
        return c != '\n' && (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF');
    }

    private static boolean endsText(String text, int at) {
        char c = text.charAt(at);
        return c == '\n' || isSpace(c) || c == '"' || c == '#' || PUNCTUATION.indexOf(c) >= 0
                || text.startsWith("//", at) || text.startsWith("${", at) || text.startsWith("+=", at);
    }

    /** Appends the character the escape at {@code at} (after its backslash) stands for; returns its last index. */
    private static int unescape(String text, int at, StringBuilder value) {
        char c = text.charAt(at);
        if (c == 'u' && at + 4 < text.length()) {
            try {
                value.append((char) Integer.parseInt(text.substring(at + 1, at + 5), 16));
                return at + 4;
            } catch (NumberFormatException e) {
                // not an escape Typesafe Config would have taken; kept as written
            }
        }
        value.append(switch (c) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            default -> c; // \" \\ \/
        });
        return at;
    }
}
