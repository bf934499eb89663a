package org.msight.runtime.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import com.typesafe.config.Config;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.composite.loggingevent.StackTraceJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;
import org.msight.api.Secrets;
import org.msight.runtime.config.WritablePath;
import org.slf4j.Logger;

/**
 * Where log lines go and in which form ({@code msight.logging}): MSight's text lines or one JSON
 * object per line (logstash-logback-encoder; the same URL credentials masking as the text), on
 * the console and optionally in a file Logback rolls over by size.
 *
 * @param json whether lines are JSON
 * @param file the log file, empty for the console only
 * @param maxFileSize the size at which the file is rolled over
 * @param maxFiles rolled-over files kept
 */
public record LogOutput(boolean json, String file, FileSize maxFileSize, int maxFiles) {

    /**
     * Reads the block, which the runtime has checked against its declaration; throws
     * {@link IllegalArgumentException} naming the key when the log file cannot be written (Logback
     * itself would only note it in its status, and no line would ever reach the file).
     */
    public static LogOutput from(Config logging) {
        String file = logging.getString("file").trim();
        if (!file.isEmpty()) {
            WritablePath.problem(file, false).ifPresent(problem -> {
                throw new IllegalArgumentException("file: " + problem);
            });
        }
        return new LogOutput(logging.getString("format").equals("json"), file,
                FileSize.valueOf(logging.getString("max-file-size")), logging.getInt("max-files"));
    }

    /** Whether {@code text} is a size Logback reads, such as {@code 10MB} or {@code 500KB}. */
    public static boolean isSize(String text) {
        try {
            FileSize.valueOf(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Replaces the console appender of logback.xml when JSON is asked for, and adds the file. */
    void apply(LoggerContext context) {
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (json) {
            replace(root, console(context));
        }
        if (!file.isEmpty()) {
            replace(root, rollingFile(context));
        }
    }

    /** Gives the root's output of that name (a {@link BackgroundOutput}) this appender, or adds one with it. */
    private static void replace(ch.qos.logback.classic.Logger root, Appender<ILoggingEvent> appender) {
        if (root.getAppender(appender.getName()) instanceof BackgroundOutput output) {
            output.setOutput(appender); // one step: a line of that instant goes to one appender or the other
        } else {
            BackgroundOutput output = new BackgroundOutput(appender, BackgroundOutput.QUEUE_SIZE);
            output.start();
            root.detachAppender(appender.getName());
            root.addAppender(output);
        }
    }

    private Appender<ILoggingEvent> console(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setName("CONSOLE");
        console.setContext(context);
        console.setEncoder(encoder(context));
        console.start();
        return console;
    }

    private Appender<ILoggingEvent> rollingFile(LoggerContext context) {
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setName("FILE");
        appender.setContext(context);
        appender.setFile(file);
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(file + ".%i");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(maxFiles);
        rolling.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(maxFileSize);
        // Logback looks at the size once a minute by default; a busy DEBUG log outgrows that.
        trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildBySeconds(1));
        trigger.start();
        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        appender.setEncoder(encoder(context));
        appender.start();
        return appender;
    }

    private Encoder<ILoggingEvent> encoder(LoggerContext context) {
        if (!json) {
            LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
            MsightLayout layout = new MsightLayout();
            layout.setContext(context);
            layout.start();
            text.setLayout(layout);
            text.setContext(context);
            text.start();
            return text;
        }
        LoggingEventCompositeJsonEncoder encoder = new LoggingEventCompositeJsonEncoder();
        encoder.setContext(context);
        LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
        LoggingEventFormattedTimestampJsonProvider time = new LoggingEventFormattedTimestampJsonProvider();
        time.setFieldName("time");
        providers.addTimestamp(time);
        providers.addProvider(new MsightJsonFields());
        providers.addMessage(new MessageJsonProvider());
        StackTraceJsonProvider stackTrace = new StackTraceJsonProvider();
        stackTrace.setFieldName("stack_trace");
        providers.addStackTrace(stackTrace);
        encoder.setProviders(providers);
        MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();
        masking.addValueMasker((field, value) -> {
            if (value instanceof CharSequence text) {
                String masked = Secrets.redactUrl(text.toString());
                return masked.equals(text.toString()) ? null : masked;
            }
            return null;
        });
        masking.start();
        encoder.setJsonGeneratorDecorator(masking);
        encoder.start();
        return encoder;
    }
}
