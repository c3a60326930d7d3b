package dev.hako.security;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.util.List;

/**
 * What the container's command may do, as the last setup before signals are unblocked:
 * the bounding set, the user (groups, gid, uid, keeping capabilities across the uid
 * change), the capability sets, no_new_privs and the resource limits, in that order.
 *
 * <p>The bounding set is cut first, while the child is still root with every capability
 * (dropping needs CAP_SETPCAP, which the container may not keep); the other sets are set
 * after the uid change, which clears the effective set of a non-root user.
 */
public final class Privileges {
    /** The option a capability step serves, for its purpose. */
    public static final String CAPABILITIES_OPTION = "capAdd/capDrop";
    public static final String NO_NEW_PRIVILEGES_OPTION = "noNewPrivileges";
    public static final String RLIMIT_OPTION = "rlimit";

    private Privileges() {
    }

    /** {@code setgroups}: false where the user namespace denies it (its groups are then what the JVM's were). */
    public static void addSteps(ChildProgram.Builder p, User user, Capabilities capabilities, boolean noNewPrivileges,
                                List<ResourceLimit> rlimits, boolean setgroups) {
        p.setsUp("the capability bounding set " + capabilities.describe(), capabilities.option());
        capabilities.addBoundingSteps(p);
        capabilities.addKeepSteps(p);
        p.setsUp("the user " + user, "user");
        user.addSteps(p, setgroups);
        p.setsUp("the capabilities of " + (user.uid() == 0 ? "root " : "the user ") + user, capabilities.option());
        capabilities.addSetSteps(p, user.uid() == 0);
        if (noNewPrivileges) {
            p.setsUp("no_new_privs", NO_NEW_PRIVILEGES_OPTION);
            p.prctl(linux_h.PR_SET_NO_NEW_PRIVS(), "PR_SET_NO_NEW_PRIVS", 1, "1")
                    .note("setuid and file capabilities grant nothing from here on");
        }
        for (ResourceLimit limit : rlimits) {
            p.setsUp("the limit " + limit, RLIMIT_OPTION);
            limit.addSteps(p);
        }
    }
}
