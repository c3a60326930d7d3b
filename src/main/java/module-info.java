/**
 * hako: Linux containers from inside a JVM. Users see {@code dev.hako} (containers,
 * processes, their configuration), {@code dev.hako.image} (images and the layer store),
 * {@code dev.hako.seccomp} (seccomp profiles) and {@code dev.hako.spec} (the OCI
 * runtime-spec's config.json);
 * the child programs, step writers, cgroups, bindings and the rest stay inside.
 *
 * <p>On the module path, run with {@code --enable-native-access=dev.hako}.
 */
module dev.hako {
    requires com.fasterxml.jackson.databind;

    exports dev.hako;
    exports dev.hako.image;
    exports dev.hako.seccomp;
    exports dev.hako.spec;
    // Jackson makes the records and their (de)serializers, some of them package-private, by reflection.
    opens dev.hako.spec to com.fasterxml.jackson.databind;
}
