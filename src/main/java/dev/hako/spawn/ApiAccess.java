package dev.hako.spawn;

import java.util.Objects;
import java.util.function.Function;

/**
 * How the OCI runtime, above the API, reaches what the API keeps to itself: the validated
 * configuration of a container it built, and the launched process behind one of the API's
 * processes. Only the API can say, and its Container class registers here when it is
 * loaded, which is before any of its objects exists. This package is not exported, so
 * nothing outside hako can call it.
 */
public final class ApiAccess {
    private static volatile Function<Object, LaunchConfig> configs;
    private static volatile Function<Object, Launched> processes;

    private ApiAccess() {
    }

    /** Called once, by the API's Container class. */
    public static void register(Function<Object, LaunchConfig> containerConfig, Function<Object, Launched> process) {
        configs = Objects.requireNonNull(containerConfig);
        processes = Objects.requireNonNull(process);
    }

    /** The configuration of {@code container} (the API's Container). */
    public static LaunchConfig config(Object container) {
        return configs.apply(container);
    }

    /** The launched process of {@code process} (the API's ContainerProcess). */
    public static Launched launched(Object process) {
        return processes.apply(process);
    }
}
