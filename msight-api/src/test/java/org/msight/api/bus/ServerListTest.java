package org.msight.api.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerListTest {

    @Test
    void readsMsightsPythonListLiterals() {
        assertThat(ServerList.parse("['nats://localhost:4222']")).containsExactly("nats://localhost:4222");
        assertThat(ServerList.parse(" [ 'h1:9092', \"h2:9092\" ,'h3:9092', ] "))
                .containsExactly("h1:9092", "h2:9092", "h3:9092");
    }

    /** As Python's ast.literal_eval reads it: a comma in quotes is the address's. */
    @Test
    void aQuotedAddressMayHoldACommaWhichABrokenListDoesNotShow() {
        assertThat(ServerList.parse("['nats://u:pa,ss@h:4222']")).containsExactly("nats://u:pa,ss@h:4222");
        assertThat(ServerList.parse("[\"u:p,w@h1:4222\" , 'h2:4222']")).containsExactly("u:p,w@h1:4222", "h2:4222");
        assertThatThrownBy(() -> ServerList.parse("['nats://u:pa,ss@h:4222]"))
                .hasMessage("unmatched quote in server list \"['nats://***@h:4222]\"");
    }

    @Test
    void readsPlainListsAndSingleAddresses() {
        assertThat(ServerList.parse("h1:9092,h2:9092")).containsExactly("h1:9092", "h2:9092");
        assertThat(ServerList.parse("nats://h:4222")).containsExactly("nats://h:4222");
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> ServerList.parse("[]")).hasMessage("no server in \"[]\"; write ['host:port']");
        assertThatThrownBy(() -> ServerList.parse("['h:1'")).hasMessageStartingWith("unbalanced brackets");
        assertThatThrownBy(() -> ServerList.parse("['h:1]")).hasMessageStartingWith("unmatched quote");
    }

    @Test
    void whatItQuotesShowsNoPassword() {
        assertThatThrownBy(() -> ServerList.parse("['nats://alice:s3cret@h:4222'"))
                .hasMessage("unbalanced brackets in server list \"['nats://***@h:4222'\"; write it as ['host1:port',"
                        + " 'host2:port']");
        assertThatThrownBy(() -> ServerList.parse("['nats://alice:s3cret@h:4222]")).hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> ServerList.parse("nats://alice:s3cret@h:4222'")).hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> ServerList.parse(" , \n")).hasMessage("no server in \" , \\n\"; write ['host:port']");
    }

    /** A NATS token without a scheme, as jnats takes it. */
    @Test
    void whatItQuotesShowsNoToken() {
        assertThatThrownBy(() -> ServerList.parse("['s3cret@nats1:4222'"))
                .hasMessage("unbalanced brackets in server list \"['***@nats1:4222'\"; write it as ['host1:port',"
                        + " 'host2:port']");
        assertThatThrownBy(() -> ServerList.parse("['s3cret@nats1:4222]")).hasMessageNotContaining("s3cret");
    }
}
