package org.msight.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineConfigExceptionTest {

    /** With a Redis bus and the registry, msight.redis is read by both: a missing TLS file is one line. */
    @Test
    void aProblemFoundTwiceIsSaidOnceInLineOrder() {
        ConfigProblem tls = new ConfigProblem("p.conf:3", "msight.redis.tls.ca-cert-file", "/etc/ca.pm: no such file");
        ConfigProblem node = new ConfigProblem("p.conf:1", "nodes.src.count", "must be 0 or more, was -1");
        assertThat(new PipelineConfigException(List.of(tls, node, tls)).problems()).containsExactly(node, tls);
    }
}
