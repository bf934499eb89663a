package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.msight.api.LogSafe;
import org.msight.api.Secrets;
import org.msight.runtime.node.RuntimeNodeContext;

/**
 * MSight's log line: {@code 2025-11-16 23:23:15,913 - <device> - <node> - INFO :: <message>}.
 * The node is taken from a node logger's name, else from the thread's {@code node} MDC entry
 * (set on node threads), else {@code msight}. Credentials in URLs are masked in the whole line,
 * stack traces included. Control characters are escaped as {@link LogSafe#whole} escapes them, in
 * the message (one line, whatever a caller or a library put in it) and in each line of a stack
 * trace (its leading tabs kept), so that a value quoted without {@link LogSafe} still cannot
 * write a NUL, move the cursor or colour a terminal.
 */
public final class MsightLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS")
            .withZone(ZoneId.systemDefault());
    private static volatile String deviceName = "local";

    /** Sets the device name shown in every line. */
    public static void setDeviceName(String name) {
        deviceName = name;
    }

    static String deviceName() {
        return deviceName;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(160)
                .append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp())))
                .append(" - ").append(deviceName)
                .append(" - ").append(nodeOf(event))
                .append(" - ").append(levelName(event.getLevel()))
                .append(" :: ").append(LogSafe.whole(event.getFormattedMessage()))
                .append(CoreConstants.LINE_SEPARATOR);
        if (event.getThrowableProxy() != null) {
            ThrowableProxyUtil.asString(event.getThrowableProxy()).lines().forEach(traceLine -> line
                    .append(escapedAfterIndent(traceLine)).append(CoreConstants.LINE_SEPARATOR));
        }
        return Secrets.redactUrl(line.toString());
    }

    /** A stack trace's line with its leading tabs kept (two for a suppressed exception's frames), the rest escaped. */
    private static String escapedAfterIndent(String traceLine) {
        int indent = 0;
        while (indent < traceLine.length() && traceLine.charAt(indent) == '\t') {
            indent++;
        }
        return traceLine.substring(0, indent) + LogSafe.whole(traceLine.substring(indent));
    }

    static String nodeOf(ILoggingEvent event) {
        String logger = event.getLoggerName();
        if (logger.startsWith(RuntimeNodeContext.LOGGER_PREFIX)) {
            return logger.substring(RuntimeNodeContext.LOGGER_PREFIX.length());
        }
        String node = event.getMDCPropertyMap().get("node");
        return node != null ? node : "msight";
    }

    /** Python's level names, as MSight prints them. */
    static String levelName(Level level) {
        return level == Level.WARN ? "WARNING" : level.toString();
    }
}
