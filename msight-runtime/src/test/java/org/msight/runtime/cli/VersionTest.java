package org.msight.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msight.runtime.cli.launch.LaunchHttp;
import org.msight.runtime.cli.launch.LaunchRtsp;
import picocli.CommandLine;

/** Every command and subcommand whose help offers -V/--version prints the version. */
class VersionTest {

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of("msight-run", (Supplier<Object>) MsightRun::new, new String[] {"--version"}),
                Arguments.of("msight-run plugins", (Supplier<Object>) MsightRun::new, new String[] {"plugins", "-V"}),
                Arguments.of("msight-run status", (Supplier<Object>) MsightRun::new, new String[] {"status", "-V"}),
                Arguments.of("msight", (Supplier<Object>) Msight::new, new String[] {"--version"}),
                Arguments.of("msight status", (Supplier<Object>) Msight::new, new String[] {"status", "--version"}),
                Arguments.of("msight reset-redis", (Supplier<Object>) Msight::new, new String[] {"reset-redis", "-V"}),
                Arguments.of("msight_launch_http", (Supplier<Object>) LaunchHttp::new, new String[] {"-V"}),
                Arguments.of("msight_launch_rtsp", (Supplier<Object>) LaunchRtsp::new, new String[] {"--version"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void printsTheVersion(String name, Supplier<Object> command, String[] args) {
        StringWriter out = new StringWriter();
        CommandLine line = MsightRun.commandLine(command.get());
        line.setOut(new PrintWriter(out));
        assertThat(line.execute(args)).isZero();
        assertThat(out.toString()).startsWith("MSight runtime ");
    }
}
