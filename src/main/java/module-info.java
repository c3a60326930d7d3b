/**
 * hako: Linux containers from inside a JVM. Users see {@code dev.hako} (containers,
 * processes, their configuration), {@code dev.hako.image} (images and the layer store) and
 * {@code dev.hako.seccomp} (seccomp profiles);
 * the child programs, step writers, cgroups, bindings and the rest stay inside.
 *
 * <p>On the module path, run with {@code --enable-native-access=dev.hako}.
 */
module dev.hako {
    requires com.fasterxml.jackson.databind;

    exports dev.hako;
    exports dev.hako.image;
    exports dev.hako.seccomp;
}
