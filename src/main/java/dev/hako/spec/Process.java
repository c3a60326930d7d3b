package dev.hako.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.util.List;

/**
 * {@code process}: the container's command and what it runs with. {@code commandLine}
 * (Windows) is ignored; {@code ioPriority} and {@code scheduler} are kept as written but
 * not modelled.
 *
 * @param terminal whether the command gets a pty (absent: false)
 * @param args the command and its arguments; required, not empty
 * @param env NAME=value entries
 * @param cwd the working directory, absolute; required
 * @param oomScoreAdj -1000 to 1000
 */
public record Process(Boolean terminal, ConsoleSize consoleSize, User user, List<String> args, List<String> env,
                      String cwd, Capabilities capabilities, List<Rlimit> rlimits, Boolean noNewPrivileges,
                      String apparmorProfile, Integer oomScoreAdj, String selinuxLabel, RawJson ioPriority,
                      RawJson scheduler) {
    public Process {
        args = SpecJson.copy(args);
        env = SpecJson.copy(env);
        rlimits = SpecJson.copy(rlimits);
    }

    /** The terminal's size in characters. */
    public record ConsoleSize(Long height, Long width) {
    }

    /**
     * Who the command runs as.
     *
     * @param umask the file mode creation mask, 0 to 0777, or null to leave the runtime's
     * @param username Windows only; ignored
     */
    public record User(Long uid, Long gid, Long umask, List<Long> additionalGids, String username) {
        public User {
            additionalGids = SpecJson.copy(additionalGids);
        }
    }

    /** The capability sets, each a list of names like {@code CAP_CHOWN}. */
    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
                               List<String> permitted, List<String> ambient) {
        public Capabilities {
            bounding = SpecJson.copy(bounding);
            effective = SpecJson.copy(effective);
            inheritable = SpecJson.copy(inheritable);
            permitted = SpecJson.copy(permitted);
            ambient = SpecJson.copy(ambient);
        }
    }

    /**
     * A resource limit.
     *
     * @param type an {@code RLIMIT_*} name
     * @param hard the hard limit, unsigned 64-bit ({@code 18446744073709551615}, -1 here, is unlimited)
     * @param soft the soft limit, likewise
     */
    public record Rlimit(String type,
                         @JsonSerialize(using = SpecJson.UnsignedWriter.class)
                         @JsonDeserialize(using = SpecJson.UnsignedReader.class) Long hard,
                         @JsonSerialize(using = SpecJson.UnsignedWriter.class)
                         @JsonDeserialize(using = SpecJson.UnsignedReader.class) Long soft) {
    }
}
