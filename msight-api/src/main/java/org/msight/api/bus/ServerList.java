package org.msight.api.bus;

import java.util.ArrayList;
import java.util.List;
import org.msight.api.LogSafe;

/**
 * Server addresses written as MSight writes them in its environment: a Python list literal
 * ({@code MSIGHT_NATS_SERVERS="['nats://host1:4222', 'nats://host2:4222']"},
 * {@code MSIGHT_KAFKA_SERVERS="['host:9092']"}). A plain comma-separated list, or one address
 * alone, is read too.
 */
public final class ServerList {

    private ServerList() {
    }

    /**
     * The addresses in {@code text}, in order, without quotes or blanks. A quoted address may
     * hold commas ({@code ['nats://u:pa,ss@h:4222']}), as in Python.
     *
     * @throws IllegalArgumentException when there is none, or the brackets or quotes do not match;
     *     the message quotes what was read, with the user info of its URLs masked ({@link LogSafe})
     */
    public static List<String> parse(String text) {
        String body = text.strip();
        if (body.startsWith("[") != body.endsWith("]")) {
            throw new IllegalArgumentException("unbalanced brackets in server list " + quoted(text)
                    + "; write it as ['host1:port', 'host2:port']");
        }
        if (body.startsWith("[")) {
            body = body.substring(1, body.length() - 1);
        }
        List<String> servers = new ArrayList<>();
        for (int start = 0; start <= body.length(); ) {
            int end = itemEnd(body, start);
            String server = unquoted(body.substring(start, end).strip(), text);
            if (!server.isEmpty()) {
                servers.add(server);
            }
            start = end + 1;
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server in " + quoted(text) + "; write ['host:port']");
        }
        return List.copyOf(servers);
    }

    /**
     * Where the item that starts at {@code from} ends: at the next comma, or the end; for a quoted
     * item, the next comma after its closing quote, as a password may hold a comma.
     */
    private static int itemEnd(String body, int from) {
        int start = from;
        while (start < body.length() && Character.isWhitespace(body.charAt(start))) {
            start++;
        }
        int closing = start < body.length() && (body.charAt(start) == '\'' || body.charAt(start) == '"')
                ? body.indexOf(body.charAt(start), start + 1) : -1;
        int comma = body.indexOf(',', Math.max(start, closing));
        return comma < 0 ? body.length() : comma;
    }

    private static String unquoted(String item, String text) {
        if (item.length() >= 2 && (item.charAt(0) == '\'' || item.charAt(0) == '"')) {
            if (item.charAt(item.length() - 1) != item.charAt(0)) {
                throw new IllegalArgumentException("unmatched quote in server list " + quoted(text));
            }
            return item.substring(1, item.length() - 1).strip();
        }
        if (item.startsWith("'") || item.startsWith("\"") || item.endsWith("'") || item.endsWith("\"")) {
            throw new IllegalArgumentException("unmatched quote in server list " + quoted(text));
        }
        return item;
    }

    private static String quoted(String text) {
        return "\"" + LogSafe.text(text) + "\"";
    }
}
