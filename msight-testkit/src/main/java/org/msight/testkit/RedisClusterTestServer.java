package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real Redis Cluster of the test's own: {@link RedisTestServer}s in cluster mode on free loopback
 * ports (and free cluster bus ports), each in its own directory, joined with {@code redis-cli
 * --cluster create}: three masters, and with {@link #withReplicas()} a replica of each. {@link
 * #start()} returns once every node says {@code cluster_state:ok}.
 */
public final class RedisClusterTestServer implements AutoCloseable {

    private static final int MASTERS = 3;
    /** MSIGHT* keys in the slots of each of the three masters ({@code redis-cli} gives each a third). */
    public static final List<String> KEYS_ON_EVERY_MASTER = List.of("MSIGHT:NODES", "MSIGHT:TOPICS", "MSIGHT:OTHER",
            "MSIGHT:4", "MSIGHT:5");

    private final Path cli = Tools.require("redis-cli", "redis-tools");
    private final int replicas;
    /** {@code redis-cli}'s TLS options, or none. */
    private final List<String> cliTls;
    private final List<RedisTestServer> nodes = new ArrayList<>();
    /** The nodes' folders ({@code --dir}: their {@code nodes.conf}), deleted by {@link #close()}. */
    private final List<Path> directories = new ArrayList<>();

    /** Three masters, not started. */
    public RedisClusterTestServer() {
        this(0, null, null);
    }

    /**
     * @param certificates the CA, and the client certificate {@code redis-cli} shows; null for none
     * @param server the certificate every node shows to clients and to the other nodes
     */
    private RedisClusterTestServer(int replicas, TestCertificates certificates, TestCertificates.Signed server) {
        this.replicas = replicas;
        this.cliTls = certificates == null ? List.of() : List.of("--tls", "--cacert", certificates.ca.toString(),
                "--cert", certificates.clientCert.toString(), "--key", certificates.clientKey.toString());
        for (int i = 0; i < MASTERS * (1 + replicas); i++) {
            Path directory = directory();
            directories.add(directory);
            List<String> arguments = new ArrayList<>(List.of("--cluster-config-file", "nodes.conf", "--dir",
                    directory.toString()));
            if (replicas > 0) {
                // A replica takes over after its master has been silent this long: short enough for a test to
                // wait for; left at Redis's 15 s without replicas, where a slow node could only stop the cluster.
                arguments.addAll(List.of("--cluster-node-timeout", "2000"));
            }
            if (certificates == null) {
                nodes.add(new RedisTestServer(arguments, false, true));
            } else {
                arguments.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
                nodes.add(new RedisTestServer(RedisTestServer.tlsArguments(server.cert(), server.key(),
                        certificates.ca, arguments), true, true));
            }
        }
    }

    /** Three masters and a replica of each, not started: nodes 0 to 2 are the masters. */
    public static RedisClusterTestServer withReplicas() {
        return new RedisClusterTestServer(1, null, null);
    }

    /**
     * Three masters that speak only TLS, to clients and to each other, and require client
     * certificates signed by the CA of {@code certificates}; not started.
     *
     * @param server the certificate every node shows, such as {@link TestCertificates#serverCert}'s
     */
    public static RedisClusterTestServer withTls(TestCertificates certificates, TestCertificates.Signed server) {
        return new RedisClusterTestServer(0, certificates, server);
    }

    /** Starts the nodes, joins them into a cluster and waits until it is ready; stops them all on failure. */
    public RedisClusterTestServer start() {
        try {
            nodes.forEach(RedisTestServer::start);
            List<String> create = new ArrayList<>(List.of(cli.toString()));
            create.addAll(cliTls);
            create.addAll(List.of("--cluster", "create"));
            ports().forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", String.valueOf(replicas), "--cluster-yes"));
            String output = run(create);
            for (int port : ports()) {
                await(port, "cluster info", "cluster_state:ok", output);
            }
            // A replica that has not synced with its master yet would never take over from it.
            for (RedisTestServer replica : nodes.subList(MASTERS, nodes.size())) {
                await(replica.port(), "info replication", "master_link_status:up", output);
            }
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Waits until {@code redis-cli command} on {@code port} answers with text holding {@code expected};
     * {@code context} explains a failure.
     */
    private void await(int port, String command, String expected, String context) {
        await(port, command, "'" + expected + "'", answer -> answer.contains(expected), context);
    }

    private void await(int port, String command, String what, Predicate<String> answered, String context) {
        long deadline = System.nanoTime() + Waits.GENEROUS.toNanos();
        List<String> call = new ArrayList<>(List.of(cli.toString(), "-p", String.valueOf(port)));
        call.addAll(cliTls);
        call.addAll(List.of(command.split(" ")));
        while (!answered.test(run(call))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster's node on port " + port + " does not answer " + command
                        + " with " + what + " within " + Waits.GENEROUS + ": " + context);
            }
            ServerProcesses.pause("redis cluster");
        }
    }

    /**
     * Stops master {@code index} (0 to 2) and returns once its replica serves its slots: every
     * other node says {@code cluster_state:ok} and leaves the stopped one out of {@code CLUSTER SLOTS},
     * so any of them can seed a new client.
     *
     * @throws IllegalArgumentException on a cluster without replicas, or for a node that is no master
     */
    public void failOver(int index) {
        if (replicas == 0 || index < 0 || index >= MASTERS) {
            throw new IllegalArgumentException("failOver needs a cluster withReplicas() and a master, 0 to "
                    + (MASTERS - 1) + ": " + index);
        }
        RedisTestServer master = nodes.get(index);
        master.stop();
        String context = "no replica took over from the master on port " + master.port();
        String port = String.valueOf(master.port());
        for (RedisTestServer node : nodes) {
            if (node != master) {
                await(node.port(), "cluster slots", "no port " + port, answer -> answer.lines()
                        .noneMatch(port::equals), context);
                await(node.port(), "cluster info", "cluster_state:ok", context);
            }
        }
    }

    /** The nodes' loopback ports, in the order they were created. */
    public List<Integer> ports() {
        return nodes.stream().map(RedisTestServer::port).toList();
    }

    /** The node at {@code index}, for instance to stop it. */
    public RedisTestServer node(int index) {
        return nodes.get(index);
    }

    /** Stops the nodes and deletes their folders and logs. */
    @Override
    public void close() {
        nodes.forEach(RedisTestServer::close);
        directories.forEach(ServerProcesses::delete);
    }

    private static Path directory() {
        try {
            return Files.createTempDirectory("redis-cluster-node-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code redis-cli}, bounded by {@link Waits#GENEROUS}; returns its output. */
    private String run(List<String> command) {
        return Tools.run(new ProcessBuilder(command).redirectErrorStream(true), Waits.GENEROUS).text();
    }
}
