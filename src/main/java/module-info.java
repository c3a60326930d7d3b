/**
 * hako: Linux containers from inside a JVM. Users see {@code dev.hako} (containers,
 * processes, their configuration) and {@code dev.hako.image} (images and the layer store);
 * the child programs, step writers, cgroups, bindings and the rest stay inside.
 *
 * <p>On the module path, run with {@code --enable-native-access=dev.hako}.
 */
module dev.hako {
    requires com.fasterxml.jackson.databind;

    exports dev.hako;
    exports dev.hako.image;
}
