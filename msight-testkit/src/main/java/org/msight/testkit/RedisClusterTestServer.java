package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster of the test's own: three {@link RedisTestServer}s in cluster mode on free
 * loopback ports (and free cluster bus ports), each in its own directory, joined with {@code redis-cli --cluster create} (three
 * masters, no replicas). {@link #start()} returns once every node says {@code cluster_state:ok}.
 */
public final class RedisClusterTestServer implements AutoCloseable {

    private static final int NODES = 3;

    private final Path cli = Tools.require("redis-cli", "redis-tools");
    private final List<RedisTestServer> nodes = new ArrayList<>();

    /** Three nodes, not started. */
    public RedisClusterTestServer() {
        for (int i = 0; i < NODES; i++) {
            // the bus port is free too: by default it is the port + 10000, past 65535 for a high free port
            nodes.add(new RedisTestServer(List.of("--cluster-enabled", "yes", "--cluster-port",
                    String.valueOf(FreePorts.next()), "--cluster-config-file", "nodes.conf", "--dir",
                    directory().toString())));
        }
    }

    /** Starts the nodes, joins them into a cluster and waits until it is ready; stops them all on failure. */
    public RedisClusterTestServer start() {
        try {
            nodes.forEach(RedisTestServer::start);
            List<String> create = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
            ports().forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            String output = run(create);
            for (int port : ports()) {
                awaitClusterOk(port, output);
            }
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void awaitClusterOk(int port, String createOutput) {
        long deadline = System.nanoTime() + Waits.GENEROUS.toNanos();
        while (!run(List.of(cli.toString(), "-p", String.valueOf(port), "cluster", "info")).contains("cluster_state:ok")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster's node on port " + port + " is not ready within "
                        + Waits.GENEROUS + ": " + createOutput);
            }
            ServerProcesses.pause("redis cluster");
        }
    }

    /** The nodes' loopback ports, in the order they were created. */
    public List<Integer> ports() {
        return nodes.stream().map(RedisTestServer::port).toList();
    }

    /** The node at {@code index} (0 to 2), for instance to stop it. */
    public RedisTestServer node(int index) {
        return nodes.get(index);
    }

    @Override
    public void close() {
        nodes.forEach(RedisTestServer::stop);
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
        try {
            Path output = Files.createTempFile("redis-cli-", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
                ServerProcesses.stop(process, false);
            }
            String text = ServerProcesses.logText(output);
            Files.delete(output);
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cli, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the redis cluster", e);
        }
    }
}
