package org.msight.plugins.kafkabus;

import java.util.function.Supplier;

/**
 * Creates Kafka clients with the plugin's class loader as the thread's context class loader:
 * Kafka loads the classes its properties name (assignors, partitioners, JAAS login modules)
 * through it, and a node thread's is the runtime's, which does not see the plugin's jars.
 */
final class ClientLoader {

    private ClientLoader() {
    }

    static <T> T create(Supplier<T> client) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ClientLoader.class.getClassLoader());
        try {
            return client.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
