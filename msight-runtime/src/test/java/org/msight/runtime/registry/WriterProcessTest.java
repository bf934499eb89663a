package org.msight.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a process of this machine tells of another's instance id: dead only when it knows. */
class WriterProcessTest {

    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void aLiveWriterIsNotDeadAndAPidTakenByALaterProcessIs() {
        String started = WriterProcess.startTicks(SELF);
        assertThat(started).isNotNull();
        assertThat(WriterProcess.deadHere(WriterProcess.newInstanceId())).isFalse();
        assertThat(WriterProcess.deadHere(WriterProcess.instanceIdOf(SELF, started))).isFalse();
        assertThat(WriterProcess.deadHere(WriterProcess.instanceIdOf(SELF, started + "1")))
                .as("its PID now a process started at another time").isTrue();
    }

    @Test
    void anotherUsersOrAnUnknownWritersProcessIsNeverJudged() {
        String[] parts = WriterProcess.instanceIdOf(SELF, "1").split("/");
        parts[2] = parts[2] + "7"; // another user, whose processes /proc may hide
        assertThat(WriterProcess.deadHere(String.join("/", parts))).isFalse();
        assertThat(WriterProcess.deadHere(UUID.randomUUID().toString())).isFalse();
        assertThat(WriterProcess.deadHere(null)).isFalse();
    }
}
