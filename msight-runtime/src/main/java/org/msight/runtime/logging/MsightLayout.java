package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import org.msight.api.LogSafe;
import org.msight.runtime.node.RuntimeNodeContext;

/**
 * MSight's log line: {@code 2025-11-16 23:23:15,913 - <device> - <node> - INFO :: <message>}.
 * The node is taken from a node logger's name, else from the thread's {@code node} MDC entry
 * (set on node threads), else {@code msight}. Credentials in URLs are masked in the whole line,
 * stack traces included. Control characters are escaped as {@link LogSafe#whole} escapes them, in
 * the message and in the messages of a stack trace's exceptions (each one line, whatever a caller
 * or a library put in it), so that a value quoted without {@link LogSafe} can neither forge a log
 * line nor write a NUL, move the cursor or colour a terminal.
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
            line.append(ThrowableProxyUtil.asString(new Escaped(event.getThrowableProxy())))
                    .append(CoreConstants.LINE_SEPARATOR);
        }
        return line.toString(); // its message and the trace's messages masked: the time and names are not URLs
    }

    /**
     * A stack trace's exception, its causes and suppressed ones with their messages escaped: a
     * message is one line of the trace, whatever it holds. Class and frame names hold no control
     * characters.
     */
    private record Escaped(IThrowableProxy proxy) implements IThrowableProxy {

        @Override
        public String getMessage() {
            return proxy.getMessage() == null ? null : LogSafe.whole(proxy.getMessage());
        }

        @Override
        public String getClassName() {
            return proxy.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return proxy.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return proxy.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() { // a cycle is cut by logback: the proxy of its repeat has no cause
            return proxy.getCause() == null ? null : new Escaped(proxy.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            return proxy.getSuppressed() == null ? null
                    : Arrays.stream(proxy.getSuppressed()).map(Escaped::new).toArray(IThrowableProxy[]::new);
        }

        @Override
        public boolean isCyclic() {
            return proxy.isCyclic();
        }
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
