package dev.hako.spec;

import java.util.List;

/**
 * {@code hooks}: programs the runtime runs at points of a container's life, each a list in
 * order ({@code prestart} is deprecated by the spec but still read).
 */
public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
                    List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
    public Hooks {
        prestart = SpecJson.copy(prestart);
        createRuntime = SpecJson.copy(createRuntime);
        createContainer = SpecJson.copy(createContainer);
        startContainer = SpecJson.copy(startContainer);
        poststart = SpecJson.copy(poststart);
        poststop = SpecJson.copy(poststop);
    }

    /**
     * One hook.
     *
     * @param path the program, absolute (on the runtime's side, or the container's for
     *             createContainer and startContainer)
     * @param args its argv, from argv[0]
     * @param env NAME=value entries
     * @param timeout seconds before it is killed, or null for none
     */
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
        public Hook {
            args = SpecJson.copy(args);
            env = SpecJson.copy(env);
        }
    }
}
