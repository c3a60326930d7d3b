package dev.hako.spawn;

import java.util.Objects;
import java.util.function.Function;

/**
 * How the OCI runtime, above the API, reaches what the API keeps to itself: the validated
 * configuration of a container it built, and the launched process behind a
 * {@code ContainerProcess}. Only {@code dev.hako} can say, and it registers here when
 * {@code Container} is loaded. This package is not exported, so nothing outside hako can
 * call it.
 */
public final class ApiAccess {
    private static volatile Function<Object, LaunchConfig> configs;
    private static volatile Function<Object, Launched> processes;

    private ApiAccess() {
    }

    /** Called once, by {@code dev.hako.Container}. */
    public static void register(Function<Object, LaunchConfig> containerConfig, Function<Object, Launched> process) {
        configs = Objects.requireNonNull(containerConfig);
        processes = Objects.requireNonNull(process);
    }

    /** The configuration of {@code container} (a {@code dev.hako.Container}). */
    public static LaunchConfig config(Object container) {
        loadApi();
        return configs.apply(container);
    }

    /** The launched process of {@code process} (a {@code dev.hako.ContainerProcess}). */
    public static Launched launched(Object process) {
        loadApi();
        return processes.apply(process);
    }

    private static void loadApi() {
        try {
            Class.forName("dev.hako.Container", true, ApiAccess.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
